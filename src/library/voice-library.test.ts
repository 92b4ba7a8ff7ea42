import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuiltinVoiceEntry } from '../model/manifest';
import { tempDir } from '../test-support/models';
import { VoiceLibrary } from './voice-library';
import { createVoiceMap } from './voice-map';

const D = 4;
const builtins: BuiltinVoiceEntry[] = [
  { id: 'alpha', name: 'Alpha', licence: 'CC0', source: 't', gender: 'female', embedding: Float32Array.from([1, 0, 0, 0]), f0: { mean: Math.log(200), std: 0.2 }, preview: 'assets/voices/alpha.wav' },
  { id: 'beta', name: 'Beta', licence: 'CC0', source: 't', gender: 'male', embedding: Float32Array.from([0, 1, 0, 0]), f0: { mean: Math.log(100), std: 0.2 } },
];
const dirs: string[] = [];
const open = (dir: string, log: string[] = []) =>
  VoiceLibrary.open({ builtins, userDataDir: dir, assetsRoot: '/app', voiceMap: createVoiceMap(builtins.map((b) => b.embedding)), embeddingDim: D, log: (m) => log.push(m) });
const voice = (name: string) => ({ name, embedding: Float32Array.from([0.5, 0.5, 0.5, 0.5]), f0: { mean: Math.log(150), std: 0.1 }, preview: new Float32Array(1600).fill(0.25) });

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('VoiceLibrary', () => {
  it('lists built-ins and persists enrolled voices with a preview across reopen', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lib = await open(path.join(dir, 'nested', 'data'));
    expect(lib.list().map((v) => v.id)).toEqual(['alpha', 'beta']);
    expect(lib.get('alpha')?.previewPath).toBe(path.resolve('/app', 'assets/voices/alpha.wav'));
    const info = await lib.add(voice('Me'));
    expect(info).toMatchObject({ name: 'Me', kind: 'enrolled', licence: 'user', hasPreview: true, meanF0Hz: 150 });
    const again = await open(path.join(dir, 'nested', 'data'));
    expect(again.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Me']);
    const pv = await again.readEnrolledPreview(info.id);
    expect(pv?.length).toBe(1600);
    expect(pv?.[10]).toBeCloseTo(0.25, 3);
    expect(again.require(info.id).target.f0.mean).toBeCloseTo(Math.log(150), 6);
  });

  it('renames and deletes enrolled voices but never built-ins', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lib = await open(dir);
    const v = await lib.add(voice('Me'));
    await expect(lib.add(voice('me'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await lib.rename(v.id, 'You')).name).toBe('You');
    await expect(lib.rename('alpha', 'X')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/built-in/) });
    await expect(lib.delete('beta')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(lib.delete('user-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await lib.delete(v.id);
    expect(lib.get(v.id)).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, 'voices'))).toEqual([]);
    expect((await open(dir)).list()).toHaveLength(2);
    expect(() => lib.require('nobody')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('keeps concurrent additions', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lib = await open(dir);
    await Promise.all(['A', 'B', 'C', 'D'].map((n) => lib.add(voice(n))));
    expect((await open(dir)).list()).toHaveLength(6);
  });

  it('recovers a corrupt library from the backup plus the voice record copies, and keeps the corrupt file', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const log: string[] = [];
    const lib = await open(dir);
    await lib.add(voice('One'));
    await lib.add(voice('Two')); // the backup now holds "One"; "Two" is only in the index and its record copy
    fs.writeFileSync(path.join(dir, 'voices.json'), '{"voices": [ {"id": trunc');
    const rec = await open(dir, log);
    expect(rec.recovery?.restoredFrom).toBe('backup');
    expect(rec.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'One', 'Two']);
    expect(fs.readFileSync(rec.recovery!.corruptCopy, 'utf8')).toContain('trunc');
    expect(log.join('\n')).toMatch(/Recovered voice "Two"/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'voices.json'), 'utf8')).voices).toHaveLength(2);
    // corrupt, no backup, but the record copies: every voice comes back from its files
    fs.rmSync(path.join(dir, 'voices.json.bak'));
    fs.writeFileSync(path.join(dir, 'voices.json'), 'not json');
    const files = await open(dir);
    expect(files.recovery?.restoredFrom).toBe('files');
    expect(files.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'One', 'Two']);
    // corrupt without any backup or files: starts empty, still keeps the corrupt copy
    const dir2 = tempDir();
    dirs.push(dir2);
    fs.writeFileSync(path.join(dir2, 'voices.json'), 'not json');
    const empty = await open(dir2);
    expect(empty.recovery?.restoredFrom).toBe('empty');
    expect(empty.list()).toHaveLength(2);
    expect(fs.existsSync(empty.recovery!.corruptCopy)).toBe(true);
  });

  it('a voice deleted after the backup was written does not come back when the index is restored from it', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lib = await open(dir);
    const one = await lib.add(voice('One'));
    await lib.add(voice('Two'));
    await lib.delete(one.id); // the backup still lists One
    fs.writeFileSync(path.join(dir, 'voices.json'), '{');
    expect((await open(dir)).list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Two']);
  });
});

describe('VoiceLibrary shared by several instances (the app, another window, the CLI)', () => {
  it('the app sees a voice the CLI enrolled, and renaming another voice keeps it (issue 14)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const app = await open(dir);
    const bo = await app.add(voice('Bo'));
    expect(app.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Bo']);
    const cli = await open(dir);
    const ana = await cli.add(voice('Ana'));
    // no reopen: the app's next list reads the changed index
    expect(app.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Bo', 'Ana']);
    expect(app.require(ana.id).info.name).toBe('Ana');
    expect(await app.readEnrolledPreview(ana.id)).toHaveLength(1600);
    await app.rename(bo.id, 'Bo Two');
    expect((await open(dir)).list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Bo Two', 'Ana']);
    expect(fs.readdirSync(path.join(dir, 'voices')).sort()).toEqual([`${ana.id}.json`, `${ana.id}.s16`, `${bo.id}.json`, `${bo.id}.s16`].sort());
  });

  it('applies each change to what is on disk: a rename of a voice deleted elsewhere is NOT_FOUND, names stay unique across instances', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const a = await open(dir);
    const b = await open(dir);
    const v = await a.add(voice('Shared'));
    expect(b.get(v.id)?.info.name).toBe('Shared');
    await b.delete(v.id);
    await expect(a.rename(v.id, 'Back')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(a.get(v.id)).toBeUndefined();
    // two instances enrolling the same name at the same time: exactly one wins
    const results = await Promise.allSettled([a.add(voice('Same')), b.add(voice('same'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'INVALID_ARGUMENT' } });
    // interleaved changes from both instances all land
    await Promise.all([...['A1', 'A2', 'A3'].map((n) => a.add(voice(n))), ...['B1', 'B2', 'B3'].map((n) => b.add(voice(n)))]);
    const names = (await open(dir)).list().filter((x) => x.kind === 'enrolled').map((x) => x.name).sort();
    expect(names).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'B3', expect.stringMatching(/^same$/i)].sort());
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp') || f.includes('.lock'))).toEqual([]);
  });

  it('migrates a folder written by the earlier format (index only) and keeps it readable by it', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const id = 'user-0123456789ab';
    fs.mkdirSync(path.join(dir, 'voices'));
    fs.writeFileSync(path.join(dir, 'voices', `${id}.s16`), Buffer.alloc(3200));
    const record = { id, name: 'Old', createdAt: '2025-01-01T00:00:00.000Z', embedding: [0.5, 0.5, 0.5, 0.5], f0: { mean: Math.log(150), std: 0.1 }, preview: `${id}.s16` };
    fs.writeFileSync(path.join(dir, 'voices.json'), JSON.stringify({ version: 1, voices: [record] }));
    const log: string[] = [];
    const lib = await open(dir, log);
    expect(lib.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Old']);
    expect(await lib.readEnrolledPreview(id)).toHaveLength(1600);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'voices.json'), 'utf8'));
    expect(index).toMatchObject({ version: 2, voices: [record] }); // same records: the earlier code still reads it
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'voices', `${id}.json`), 'utf8'))).toEqual(record);
    expect(log).toHaveLength(1);
    // a second open has nothing left to do
    const again: string[] = [];
    await open(dir, again);
    expect(again).toEqual([]);
  });

  it('keeps voices of another embedding size on disk without listing them', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lib = await open(dir);
    await lib.add(voice('Four'));
    const wide = VoiceLibrary.open({ builtins: [], userDataDir: dir, assetsRoot: '/app', voiceMap: createVoiceMap([Float32Array.from([1, 0, 0, 0, 0])]), embeddingDim: 5 });
    const w = await wide;
    expect(w.list()).toEqual([]);
    await w.add({ ...voice('Five'), embedding: Float32Array.from([1, 2, 3, 4, 5]) });
    expect((await open(dir)).list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Four']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'voices.json'), 'utf8')).voices.map((v: { name: string }) => v.name)).toEqual(['Four', 'Five']);
  });

  it('opens read-only while another process holds the lock past the timeout', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await (await open(dir)).add(voice('Kept'));
    fs.writeFileSync(path.join(dir, 'voices.json.lock'), JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'hung', at: '' }));
    const log: string[] = [];
    const lib = await VoiceLibrary.open({ builtins, userDataDir: dir, assetsRoot: '/app', voiceMap: createVoiceMap(builtins.map((b) => b.embedding)), embeddingDim: D, log: (m) => log.push(m), lock: { timeoutMs: 200 } });
    expect(lib.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'Kept']);
    expect(log.join()).toMatch(/busy|did not become free/i);
    await expect(lib.add(voice('Blocked'))).rejects.toMatchObject({ code: 'BUSY' });
  });

  it('an index removed while the app runs: the list is kept and the index rebuilt from the voice files', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const app = await open(dir);
    await app.add(voice('One'));
    await app.add(voice('Two'));
    fs.rmSync(path.join(dir, 'voices.json'));
    expect(app.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'One', 'Two']);
    for (let i = 0; i < 100 && !fs.existsSync(path.join(dir, 'voices.json')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'voices.json'), 'utf8')).voices.map((v: { name: string }) => v.name)).toEqual(['One', 'Two']);
  });

  it('a user data path that is not a folder: built-ins list, a change says it cannot save', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const lib = await open(file);
    expect(lib.list()).toHaveLength(2);
    await expect(lib.add(voice('Eve'))).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/Could not save/) });
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});
