// The level fix for quiet takes.
import { describe, expect, it } from 'vitest';
import { normalizePeak, offerNormalize } from './normalize';

describe('normalize', () => {
  it('brings the peak of every channel together to -1 dBFS and reports the gain', () => {
    const left = Float32Array.from({ length: 1600 }, (_, i) => 0.0007 * Math.sin(i / 5));
    const right = left.map((v) => v / 2);
    const { audio, gainDb } = normalizePeak({ sampleRate: 16000, channels: [left, right] });
    const peak = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(20 * Math.log10(peak(audio.channels[0]))).toBeCloseTo(-1, 3);
    expect(peak(audio.channels[1]) / peak(audio.channels[0])).toBeCloseTo(0.5, 5);
    expect(gainDb).toBeCloseTo(-1 - 20 * Math.log10(peak(left)), 3);
    expect(normalizePeak({ sampleRate: 16000, channels: [new Float32Array(10)] }).gainDb).toBe(0);
  });

  it('is offered to quiet speech, not to normal takes nor to silence', () => {
    expect(offerNormalize(-63)).toBe(true);
    expect(offerNormalize(-25)).toBe(true);
    expect(offerNormalize(-3)).toBe(false);
    expect(offerNormalize(-100)).toBe(false);
  });
});
