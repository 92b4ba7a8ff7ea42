// STFT framing per DESIGN §3 (T = 1 + len/hop, numpy-style reflect padding) and the STFT -> iSTFT round trip (>= 60 dB SNR on real speech).
import { describe, expect, it } from 'vitest';
import { frameCount, istft, reflectPad, stft } from './stft';
import { cathySpeech } from '../test-support/dsp';

function snrDb(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i] * ref[i];
    e += (ref[i] - got[i]) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1e-300));
}

describe('stft', () => {
  it('frames as 1 + floor(len / hop)', () => {
    expect(frameCount(0)).toBe(1);
    expect(frameCount(255)).toBe(1);
    expect(frameCount(256)).toBe(2);
    expect(stft(new Float32Array(1000)).frames).toBe(4);
  });

  it('reflect-pads like numpy (no edge repeat), also for short signals', () => {
    expect(Array.from(reflectPad([1, 2, 3, 4], 2))).toEqual([3, 2, 1, 2, 3, 4, 3, 2]);
    expect(Array.from(reflectPad([1, 2], 3))).toEqual([2, 1, 2, 1, 2, 1, 2, 1]);
    expect(Array.from(reflectPad([5], 2))).toEqual([5, 5, 5, 5, 5]);
    expect(Array.from(reflectPad([], 1))).toEqual([0, 0]);
  });

  it('round-trips real speech through STFT -> iSTFT at >= 60 dB SNR', async () => {
    const x = await cathySpeech(3);
    const y = istft(stft(x), { length: x.length });
    const snr = snrDb(x, y);
    expect(snr).toBeGreaterThanOrEqual(60);
  });

  it('round-trips an odd length (not a multiple of the hop) at >= 60 dB SNR', () => {
    const x = new Float32Array(5003);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.013) * 0.4 + Math.sin(i * 0.71) * 0.1;
    const y = istft(stft(x), { length: x.length });
    expect(snrDb(x, y)).toBeGreaterThanOrEqual(60);
  });

  it('puts a bin-centred tone in its bin', () => {
    const n = 4096;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.cos((2 * Math.PI * 64 * i) / 1024);
    const s = stft(x);
    const t = 8;
    let best = 0;
    for (let k = 1; k < s.bins; k++) if (Math.hypot(s.re[t * s.bins + k], s.im[t * s.bins + k]) > Math.hypot(s.re[t * s.bins + best], s.im[t * s.bins + best])) best = k;
    expect(best).toBe(64);
    // periodic Hann: bin magnitude = N/4 for a unit cosine
    expect(Math.hypot(s.re[t * s.bins + 64], s.im[t * s.bins + 64])).toBeCloseTo(256, 3);
  });
});
