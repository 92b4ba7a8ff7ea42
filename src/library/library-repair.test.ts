import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LibraryPaths, type EnrolledVoiceRecord } from './library-files';
import { repairLibrary, uniqueName } from './library-repair';
import { tempDir } from '../test-support/models';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function folder(): LibraryPaths {
  const dir = tempDir();
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'voices'));
  return new LibraryPaths(dir);
}
const rec = (id: string, name: string, createdAt = '2025-01-01T00:00:00.000Z', preview = true): EnrolledVoiceRecord => ({
  id,
  name,
  createdAt,
  embedding: [0.1, 0.2, 0.3, 0.4],
  f0: { mean: 5, std: 0.1 },
  ...(preview ? { preview: `${id}.s16` } : {}),
});
const put = (p: LibraryPaths, name: string, body: string | Buffer) => fs.writeFileSync(p.voiceFile(name), body);
const files = (p: LibraryPaths) => fs.readdirSync(p.voices).sort();

describe('repairLibrary', () => {
  it('recovers a voice found only as files (its record copy and preview), with a free name, after the listed ones by creation time', async () => {
    const p = folder();
    const listed = rec('user-aaa', 'Bo');
    put(p, 'user-aaa.json', JSON.stringify(listed));
    put(p, 'user-aaa.s16', Buffer.alloc(10));
    // Ana was enrolled by the CLI, then the index was rewritten without her (the bug in issue 14)
    put(p, 'user-ccc.json', JSON.stringify(rec('user-ccc', 'Ana', '2025-01-03T00:00:00.000Z')));
    put(p, 'user-ccc.s16', Buffer.alloc(10));
    put(p, 'user-bbb.json', JSON.stringify(rec('user-bbb', 'bo', '2025-01-02T00:00:00.000Z', false)));
    const r = await repairLibrary(p, [listed], ['Alpha']);
    expect(r.changed).toBe(true);
    expect(r.records.map((x) => [x.id, x.name, x.preview])).toEqual([
      ['user-aaa', 'Bo', 'user-aaa.s16'],
      ['user-bbb', 'bo (recovered)', undefined],
      ['user-ccc', 'Ana', 'user-ccc.s16'],
    ]);
    expect(r.notes.filter((n) => n.startsWith('Recovered'))).toHaveLength(2);
    // the renamed copy is written back, so a later repair agrees
    expect(JSON.parse(fs.readFileSync(p.record('user-bbb'), 'utf8')).name).toBe('bo (recovered)');
    const again = await repairLibrary(p, r.records, ['Alpha']);
    expect(again).toMatchObject({ changed: false, notes: [] });
  });

  it('removes a preview with nothing to recover it from, and an unreadable record copy, saying why', async () => {
    const p = folder();
    put(p, 'user-old.s16', Buffer.alloc(10)); // written by the earlier version: no record copy
    put(p, 'user-bad.json', '{"id": "user-bad", "name": ');
    put(p, 'user-bad.s16', Buffer.alloc(10));
    put(p, 'user-mismatch.json', JSON.stringify(rec('user-other', 'X')));
    put(p, 'notes.txt', 'not ours'); // a file the library does not name is left alone
    const r = await repairLibrary(p, [], []);
    expect(r.records).toEqual([]);
    expect(files(p)).toEqual(['notes.txt']);
    expect(r.notes).toHaveLength(4);
    expect(r.notes.join('\n')).toMatch(/Removed user-old\.s16: no voice in the list uses it and it holds no voice to recover/);
  });

  it('keeps a listed voice whose preview file is gone (its embedding is in the index) and drops the reference', async () => {
    const p = folder();
    const v = rec('user-aaa', 'Bo');
    put(p, 'user-aaa.json', JSON.stringify(v));
    const r = await repairLibrary(p, [v], []);
    expect(r.changed).toBe(true);
    const { preview: _gone, ...withoutPreview } = v;
    expect(r.records).toEqual([withoutPreview]);
    expect(r.notes.join()).toMatch(/lost its preview file user-aaa\.s16; the voice is kept/);
    expect(JSON.parse(fs.readFileSync(p.record('user-aaa'), 'utf8')).preview).toBeUndefined();
  });

  it('writes the missing record copies of listed voices (the migration) and removes temp files of interrupted writes', async () => {
    const p = folder();
    const v = rec('user-aaa', 'Bo');
    put(p, 'user-aaa.s16', Buffer.alloc(10));
    put(p, '.user-aaa.json.123.abc.tmp', '{');
    fs.writeFileSync(path.join(p.dir, '.voices.json.123.abc.tmp'), '{');
    fs.writeFileSync(path.join(p.dir, 'voices.json.corrupt-2025'), 'kept');
    const r = await repairLibrary(p, [v], []);
    expect(r.changed).toBe(false); // the index itself is right
    expect(files(p)).toEqual(['user-aaa.json', 'user-aaa.s16']);
    expect(JSON.parse(fs.readFileSync(p.record('user-aaa'), 'utf8'))).toEqual(v);
    expect(fs.readdirSync(p.dir).sort()).toEqual(['voices', 'voices.json.corrupt-2025']);
  });

  it('works on a folder without voices/', async () => {
    const dir = tempDir();
    dirs.push(dir);
    expect(await repairLibrary(new LibraryPaths(dir), [], [])).toEqual({ records: [], changed: false, notes: [] });
  });
});

describe('uniqueName', () => {
  it('adds "(recovered)", then a number, within 80 characters', () => {
    const taken = new Set(['ana', 'ana (recovered)']);
    expect(uniqueName('Eve', (n) => taken.has(n.toLowerCase()))).toBe('Eve');
    expect(uniqueName('Ana', (n) => taken.has(n.toLowerCase()))).toBe('Ana (recovered 2)');
    const long = 'x'.repeat(80);
    const out = uniqueName(long, (n) => n === long);
    expect(out).toHaveLength(80);
    expect(out.endsWith(' (recovered)')).toBe(true);
  });
});
