// Atomic writes: complete files or nothing, no temporary files left behind on failure.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './write-atomic';

const dir = mkdtempSync(join(tmpdir(), 'vc-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes new files and replaces existing ones, leaving no temporary file', async () => {
    const p = join(dir, 'a.wav');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(p))).toEqual([1, 2, 3]);
    await writeFileAtomic(p, 'text');
    expect(readFileSync(p, 'utf8')).toBe('text');
    expect(readdirSync(dir)).toEqual(['a.wav']);
  });

  it('on failure removes the temporary file and leaves the target untouched', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    const target = join(sub, 'out.flac');
    mkdirSync(target); // a folder where the file should go: rename fails
    writeFileSync(join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, new Uint8Array(1000))).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(['out.flac']);
    expect(readdirSync(target)).toEqual(['keep']);
    await expect(writeFileAtomic(join(dir, 'missing-folder', 'x.wav'), 'x')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['a.wav', 'fail']);
  });

  it('writes large buffers completely', async () => {
    const p = join(dir, 'big.bin');
    const data = new Uint8Array(5 * 1024 * 1024).map((_, i) => i & 0xff);
    await writeFileAtomic(p, data);
    expect(readFileSync(p).equals(Buffer.from(data))).toBe(true);
  });
});
