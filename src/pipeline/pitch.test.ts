import { describe, expect, it } from 'vitest';
import { f0Yin } from '../dsp/f0';
import { convertLogF0, f0Blocked, f0Stats } from './pitch';
import { noise } from '../test-support/models';

describe('pitch conversion', () => {
  const lf0 = Float32Array.from([Math.log(100), 0, Math.log(120), Math.log(80), Math.log(100)]);
  const vuv = Float32Array.from([1, 0, 1, 1, 1]);

  it('computes ln-F0 statistics over voiced frames only', () => {
    const s = f0Stats(lf0, vuv);
    expect(s.voicedFrames).toBe(4);
    const vals = [100, 120, 80, 100].map(Math.log);
    const mean = vals.reduce((a, b) => a + b) / 4;
    expect(s.mean).toBeCloseTo(mean, 6);
    expect(s.std).toBeCloseTo(Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / 4), 6);
    expect(Number.isNaN(f0Stats(lf0, new Float32Array(5)).mean)).toBe(true);
  });

  it('maps the source mean and spread onto the target and adds the semitone offset', () => {
    const src = { mean: Math.log(100), std: 0.1, voicedFrames: 100 };
    const tgt = { mean: Math.log(200), std: 0.2 };
    const out = convertLogF0(lf0, vuv, src, tgt, 12);
    expect(out[1]).toBe(0);
    expect(Math.exp(out[0])).toBeCloseTo(400, 3); // mean -> target mean, +1 octave
    expect(out[2] - out[0]).toBeCloseTo(2 * (Math.log(120) - Math.log(100)), 5); // spread doubled
  });

  it('keeps the source spread when too few frames are voiced', () => {
    const out = convertLogF0(lf0, vuv, { mean: Math.log(100), std: 0.5, voicedFrames: 3 }, { mean: Math.log(200), std: 0.1 }, 0);
    expect(out[2] - out[0]).toBeCloseTo(Math.log(120) - Math.log(100), 5);
  });
});

describe('f0Blocked', () => {
  it('equals the one-shot YIN track on long input', () => {
    const n = 16000 * 7 + 77;
    const x = new Float32Array(n);
    const nz = noise(n / 16000, 0.02);
    for (let i = 0; i < n; i++) x[i] = 0.4 * Math.sin((2 * Math.PI * (150 + 50 * Math.sin(i / 20000)) * i) / 16000) * (Math.sin(i / 4000) > -0.3 ? 1 : 0) + nz[i];
    const a = f0Yin(x);
    const b = f0Blocked(x, 100);
    expect(b.frames).toBe(a.frames);
    expect(Array.from(b.voiced)).toEqual(Array.from(a.voiced));
    expect(Array.from(b.logF0)).toEqual(Array.from(a.logF0));
  });
});
