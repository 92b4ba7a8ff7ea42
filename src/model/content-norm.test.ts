// The engine-side content normalization of a 'running' streaming encoder: over a whole clip it is the
// instance norm the graph was trained with; fed block by block it converges to the same statistics.
import { describe, expect, it } from 'vitest';
import { ChannelStats, instanceNormalize } from './content-norm';

function track(channels: number, frames: number): Float32Array {
  const x = new Float32Array(channels * frames);
  for (let c = 0; c < channels; c++) for (let t = 0; t < frames; t++) x[c * frames + t] = 3 * c - 2 + Math.sin(0.3 * t + c) * (1 + c);
  return x;
}

describe('content normalization', () => {
  it('instance norm: every channel gets zero mean and unit variance over time', () => {
    const x = track(4, 200);
    instanceNormalize(x, 4, 200);
    for (let c = 0; c < 4; c++) {
      const row = x.subarray(c * 200, (c + 1) * 200);
      const mu = row.reduce((a, v) => a + v, 0) / 200;
      const v = row.reduce((a, y) => a + (y - mu) ** 2, 0) / 200;
      expect(Math.abs(mu)).toBeLessThan(1e-5);
      expect(Math.abs(v - 1)).toBeLessThan(1e-3);
    }
  });

  it('running statistics added block by block equal the whole-clip ones', () => {
    const x = track(3, 120);
    const whole = x.slice();
    instanceNormalize(whole, 3, 120);
    const s = new ChannelStats(3);
    for (let t = 0; t < 120; t += 8) s.add(x, 120, t, Math.min(120, t + 8));
    expect(s.count).toBe(120);
    const y = x.slice();
    s.normalize(y, 120);
    for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - whole[i])).toBeLessThan(1e-4);
  });

  it('with no frames yet it leaves the content alone', () => {
    const x = track(2, 10);
    const y = x.slice();
    new ChannelStats(2).normalize(y, 10);
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});
