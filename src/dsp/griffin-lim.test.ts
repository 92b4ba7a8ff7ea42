// Griffin-Lim vocoder quality on real speech: mel inversion error, spectral convergence (fast vs classic), determinism.
import { describe, expect, it } from 'vitest';
import { griffinLim, griffinLimFromLogMel, melToLinear, spectralConvergence } from './griffin-lim';
import { logMel, melFilterbank } from './mel';
import { stftMagnitude } from './stft';
import { cathySpeech } from '../test-support/dsp';

describe('griffin-lim', () => {
  it('mel inverse is non-negative and reproduces the mel spectrum closely', async () => {
    const x = await cathySpeech(2);
    const lm = logMel(x);
    const S = melToLinear(lm.data, lm.frames);
    expect(S.every((v) => v >= 0)).toBe(true);
    const fb = melFilterbank();
    // re-apply the filterbank: mean |log error| over bands with energy
    let err = 0;
    let cnt = 0;
    for (let t = 0; t < lm.frames; t++) {
      for (let b = 0; b < 80; b++) {
        let m = 0;
        for (let k = fb.start[b]; k < fb.end[b]; k++) m += fb.weights[b * fb.bins + k] * S[t * fb.bins + k];
        const want = lm.data[b * lm.frames + t];
        if (want > Math.log(1e-3)) {
          err += Math.abs(Math.log(Math.max(m, 1e-5)) - want);
          cnt++;
        }
      }
    }
    expect(err / cnt).toBeLessThan(0.05);
  });

  it('fast Griffin-Lim on real speech converges (true magnitude, 32 iterations)', async () => {
    const x = await cathySpeech(3);
    const { mag, frames } = stftMagnitude(x);
    const fast = griffinLim(mag, frames, { iterations: 32, length: x.length });
    const classic = griffinLim(mag, frames, { iterations: 32, momentum: 0, length: x.length });
    const scFast = spectralConvergence(mag, fast);
    const scClassic = spectralConvergence(mag, classic);
    // measured: fast ~0.05, classic ~0.15 on cathy
    expect(scFast).toBeLessThan(0.09);
    expect(scFast).toBeLessThan(scClassic);
  });

  it('vocodes a log-mel of real speech: spectral convergence and log-mel re-analysis error', async () => {
    const x = await cathySpeech(3);
    const lm = logMel(x);
    const y = griffinLimFromLogMel(lm.data, lm.frames, { length: x.length });
    expect(y.length).toBe(x.length);
    const target = melToLinear(lm.data, lm.frames);
    const sc = spectralConvergence(target, y);
    expect(sc).toBeLessThan(0.2); // measured ~0.14
    const lm2 = logMel(y);
    let l1 = 0;
    for (let i = 0; i < lm2.data.length; i++) l1 += Math.abs(lm2.data[i] - lm.data[i]);
    expect(l1 / lm2.data.length).toBeLessThan(0.15); // measured ~0.1 nats
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const x = new Float32Array(4000).map((_, i) => Math.sin(i * 0.07) * 0.3);
    const lm = logMel(x);
    const a = griffinLimFromLogMel(lm.data, lm.frames, { iterations: 4, seed: 3 });
    const b = griffinLimFromLogMel(lm.data, lm.frames, { iterations: 4, seed: 3 });
    const c = griffinLimFromLogMel(lm.data, lm.frames, { iterations: 4, seed: 4 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const z = griffinLimFromLogMel(lm.data, lm.frames, { iterations: 4, initPhase: 'zeros' });
    expect(z.every(Number.isFinite)).toBe(true);
  });

  it('rejects mismatched shapes', () => {
    expect(() => melToLinear(new Float32Array(79), 1)).toThrow(RangeError);
    expect(() => griffinLim(new Float64Array(10), 1)).toThrow(RangeError);
  });
});
