// Parity of the TypeScript features with the Python ones (DESIGN §3, §6): vectors written by
// models/train/vc_train/parity.py into ./testdata are recomputed here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { f0Yin } from './f0';
import { logMel } from './mel';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const index = JSON.parse(readFileSync(dir + 'index.json', 'utf8')) as {
  cases: { name: string; samples: number; frames: number; nMels: number }[];
};

function f32(name: string): Float32Array {
  const b = readFileSync(dir + name);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('parity with models/train/vc_train (Python)', () => {
  it('has the three cases', () => {
    expect(index.cases.map((c) => c.name).sort()).toEqual(['cathy', 'chirp', 'tonemix']);
  });
  for (const c of index.cases) {
    it(`log-mel matches within 1e-4 (${c.name})`, () => {
      const pcm = f32(`${c.name}.pcm.f32`);
      expect(pcm.length).toBe(c.samples);
      const want = f32(`${c.name}.logmel.f32`);
      const got = logMel(pcm);
      expect(got.frames).toBe(c.frames);
      expect(got.data.length).toBe(want.length);
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got.data[i] - want[i]));
      // contract: <= 1e-4; the two implementations agree to float32 rounding
      expect(maxErr).toBeLessThanOrEqual(1e-5);
    });
    it(`F0 matches (${c.name})`, () => {
      const pcm = f32(`${c.name}.pcm.f32`);
      const want = f32(`${c.name}.f0.f32`);
      const T = c.frames;
      const got = f0Yin(pcm);
      expect(got.frames).toBe(T);
      let same = 0;
      let maxDiff = 0;
      for (let t = 0; t < T; t++) {
        const wv = want[T + t];
        if (wv === got.voiced[t]) same++;
        if (wv > 0 && got.voiced[t] > 0) maxDiff = Math.max(maxDiff, Math.abs(want[t] - got.logF0[t]));
      }
      expect(same / T).toBe(1); // requirement: >= 0.98; measured: exact
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    });
  }
});
