import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuiltinVoiceEntry } from '../model/manifest';
import { tempDir } from './test-support';
import { VoiceLibrary } from './voice-library';
import { createVoiceMap } from './voice-map';

const D = 4;
const builtins: BuiltinVoiceEntry[] = [
  { id: 'alpha', name: 'Alpha', licence: 'CC0', source: 't', gender: 'female', embedding: Float32Array.from([1, 0, 0, 0]), f0: { mean: Math.log(200), std: 0.2 }, preview: 'assets/voices/alpha.wav' },
  { id: 'beta', name: 'Beta', licence: 'CC0', source: 't', gender: 'male', embedding: Float32Array.from([0, 1, 0, 0]), f0: { mean: Math.log(100), std: 0.2 } },
];
const dirs: string[] = [];
const open = (dir: string) =>
  VoiceLibrary.open({ builtins, userDataDir: dir, assetsRoot: '/app', voiceMap: createVoiceMap(builtins.map((b) => b.embedding)), embeddingDim: D });
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

  it('recovers a corrupt library from the backup and keeps the corrupt file', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lib = await open(dir);
    await lib.add(voice('One'));
    await lib.add(voice('Two')); // the backup now holds "One"
    fs.writeFileSync(path.join(dir, 'voices.json'), '{"voices": [ {"id": trunc');
    const rec = await open(dir);
    expect(rec.recovery?.restoredFrom).toBe('backup');
    expect(rec.list().map((v) => v.name)).toEqual(['Alpha', 'Beta', 'One']);
    expect(fs.readFileSync(rec.recovery!.corruptCopy, 'utf8')).toContain('trunc');
    // the main file is valid again
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'voices.json'), 'utf8')).voices).toHaveLength(1);
    // corrupt without any backup: starts empty, still keeps the corrupt copy
    const dir2 = tempDir();
    dirs.push(dir2);
    fs.writeFileSync(path.join(dir2, 'voices.json'), 'not json');
    const empty = await open(dir2);
    expect(empty.recovery?.restoredFrom).toBe('empty');
    expect(empty.list()).toHaveLength(2);
    expect(fs.existsSync(empty.recovery!.corruptCopy)).toBe(true);
  });
});
