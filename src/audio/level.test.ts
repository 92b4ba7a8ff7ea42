// Peak/RMS/clipping and BS.1770 loudness (-3.01 LUFS reference sine, gating), normalization without clipping.
import { describe, expect, it } from 'vitest';
import { cathySpeech, tone } from '../test-support/dsp';
import { CLIP, clippingRatio, integratedLoudness, normalizeLoudness, peak, rms, toDb } from './level';

describe('level', () => {
  it('peak, RMS and clipping ratio of simple signals', () => {
    const s = tone(1000, 1, 48000, 0.5);
    expect(peak({ channels: [s] })).toBeCloseTo(0.5, 4);
    expect(rms({ channels: [s] })).toBeCloseTo(0.5 / Math.SQRT2, 4);
    expect(toDb(0.5)).toBeCloseTo(-6.02, 2);
    expect(clippingRatio({ channels: [new Float32Array([1, -1, 0.5, 0.2])] })).toBe(0.5);
    expect(rms({ channels: [] })).toBe(0);
  });

  it('clipping: full-scale samples, and runs of 3+ identical high samples (flattened tops), per CLIP', () => {
    expect(clippingRatio({ channels: [new Float32Array([0.7, 0.7, 0.2, 0.2])] })).toBe(0);
    expect(clippingRatio({ channels: [new Float32Array([0.7, 0.7, 0.7, 0.2])] })).toBe(0.75);
    expect(clippingRatio({ channels: [new Float32Array([0.7, 0.7, 0.7, 0.7])] })).toBe(1);
    expect(clippingRatio({ channels: [new Float32Array([0.3, 0.3, 0.3, 0.3])] })).toBe(0);
    expect(clippingRatio({ channels: [new Float32Array([-1, 0, 0, 0])] })).toBe(0.25);
    // Runs do not continue across channels.
    expect(clippingRatio({ channels: [new Float32Array([0.7, 0.7]), new Float32Array([0.7, 0.1])] })).toBe(0);
    expect(clippingRatio({ channels: [] })).toBe(0);
    expect(CLIP.minRun).toBe(3);
  });

  it('loudness with channel weights: a weight of 0 drops a channel', () => {
    const t = tone(997, 2, 48000, 0.25);
    const alone = integratedLoudness({ sampleRate: 48000, channels: [t] });
    expect(integratedLoudness({ sampleRate: 48000, channels: [t, tone(300, 2, 48000, 0.9)] }, { channelWeights: [1, 0] })).toBe(alone);
  });

  for (const fs of [48000, 44100, 16000]) {
    it(`a full-scale 997 Hz sine reads -3.01 LUFS (BS.1770) at ${fs} Hz`, () => {
      const l = integratedLoudness({ sampleRate: fs, channels: [tone(997, 3, fs, 1)] });
      expect(Math.abs(l - -3.01)).toBeLessThan(0.1);
    });
  }

  it('K-weighting: a 100 Hz tone reads lower than a 3 kHz tone of equal level', () => {
    const lo = integratedLoudness({ sampleRate: 48000, channels: [tone(100, 2, 48000, 0.1)] });
    const hi = integratedLoudness({ sampleRate: 48000, channels: [tone(3000, 2, 48000, 0.1)] });
    expect(hi - lo).toBeGreaterThan(3);
  });

  it('gates silence: tone + equal silence reads like the tone alone; silence is -Infinity', () => {
    const t = tone(997, 10, 48000, 0.25); // the 3 blocks straddling the edge cost ~0.07 dB
    const both = new Float32Array(t.length * 2);
    both.set(t);
    const a = integratedLoudness({ sampleRate: 48000, channels: [t] });
    const b = integratedLoudness({ sampleRate: 48000, channels: [both] });
    expect(Math.abs(a - b)).toBeLessThan(0.1);
    expect(integratedLoudness({ sampleRate: 48000, channels: [new Float32Array(48000)] })).toBe(-Infinity);
    expect(integratedLoudness({ sampleRate: 48000, channels: [new Float32Array(0)] })).toBe(-Infinity);
  });

  it('normalizes real speech to the target loudness, or to the peak ceiling without clipping', async () => {
    const x = await cathySpeech(6);
    const r = normalizeLoudness({ sampleRate: 16000, channels: [x] }, { targetLufs: -23 });
    expect(r.peakLimited).toBe(false);
    expect(Math.abs(integratedLoudness(r.audio) - -23)).toBeLessThan(0.05);
    const loud = normalizeLoudness({ sampleRate: 16000, channels: [x] }, { targetLufs: -3, peakCeilingDb: -1 });
    expect(loud.peakLimited).toBe(true);
    expect(toDb(peak(loud.audio))).toBeLessThanOrEqual(-1 + 1e-4);
    expect(clippingRatio(loud.audio)).toBe(0);
    const silent = normalizeLoudness({ sampleRate: 16000, channels: [new Float32Array(100)] });
    expect(silent.gainDb).toBe(0);
  });
});
