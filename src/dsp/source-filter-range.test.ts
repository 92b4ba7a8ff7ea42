// A source-filter synthesis shared between two threads must be the same signal as one run: pieces from
// sourceFilterRange, joined at a frame boundary, equal sourceFilter's output sample for sample, with the
// detail, phase and position options of a later chunk of a long input.
import { describe, expect, it } from 'vitest';
import { f0Yin } from './f0';
import { logMel } from './mel';
import { defaultAperiodicity, heldPitchHz, sourceFilter } from './source-filter';
import { rangeContextFrames, sourceFilterRange } from './source-filter-range';
import { HOP } from './stft';

/** n samples of a gliding three-harmonic tone with a noisy gap (voiced and unvoiced frames). */
function speechLike(n: number): Float32Array {
  const x = new Float32Array(n);
  let ph = 0;
  let seed = 1;
  for (let i = 0; i < n; i++) {
    const f = 140 + 60 * Math.sin((2 * Math.PI * i) / n);
    ph += (2 * Math.PI * f) / 16000;
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const gap = i > 0.45 * n && i < 0.55 * n;
    x[i] = gap ? 0.05 * (seed / 2 ** 32 - 0.5) : 0.3 * Math.sin(ph) + 0.1 * Math.sin(2 * ph) + 0.05 * Math.sin(3 * ph);
  }
  return x;
}

describe('source-filter synthesis by ranges', () => {
  const n = 4 * 16000 + 100; // a length that is not a multiple of the hop
  const x = speechLike(n);
  const mel = logMel(x);
  const track = f0Yin(x);
  const hz = heldPitchHz(track.logF0, track.voiced);
  const T = mel.frames;
  const ap = defaultAperiodicity(T);
  const detail = Float32Array.from({ length: 80 * T }, (_, i) => 0.6 + (0.4 * ((i * 7919) % 101)) / 100);

  for (const passes of [1, 3]) {
    it(`joins pieces into the whole run (${passes} passes)`, () => {
      const opts = { passes, length: n, detail, phase0: 1.3, startSample: 12345 };
      const whole = sourceFilter(mel.data, T, hz, track.voiced, ap, opts);
      for (const cutFrame of [rangeContextFrames(passes), 100, T - 30]) {
        const cut = cutFrame * HOP;
        const head = sourceFilterRange(mel.data, T, hz, track.voiced, ap, opts, 0, cut);
        const tail = sourceFilterRange(mel.data, T, hz, track.voiced, ap, opts, cut, n);
        expect(head.length).toBe(cut);
        expect(tail.length).toBe(n - cut);
        const joined = new Float32Array(n);
        joined.set(head);
        joined.set(tail, cut);
        expect(Array.from(joined)).toEqual(Array.from(whole));
      }
    });
  }

  it('synthesizes an inner range alone', () => {
    const opts = { passes: 3, length: n };
    const whole = sourceFilter(mel.data, T, hz, track.voiced, ap, opts);
    const from = 60 * HOP;
    const to = 140 * HOP;
    const mid = sourceFilterRange(mel.data, T, hz, track.voiced, ap, opts, from, to);
    expect(Array.from(mid)).toEqual(Array.from(whole.subarray(from, to)));
  });

  it('rejects a range off the frame grid', () => {
    expect(() => sourceFilterRange(mel.data, T, hz, track.voiced, ap, { length: n }, 100, n)).toThrow(RangeError);
  });
});
