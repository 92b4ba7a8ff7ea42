import { describe, expect, it } from 'vitest';
import { maxStep, stepsInAndOut } from './discontinuity';

describe('sample-level discontinuities', () => {
  it('finds the largest step and where it is', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.1 * Math.sin(i / 20));
    const smooth = maxStep(x);
    expect(smooth).toBeLessThan(0.006);
    x[500] += 0.3; // a click
    expect(maxStep(x)).toBeGreaterThan(0.29);
    const r = stepsInAndOut(x, [{ start: 480, end: 520 }]);
    expect(r.inside).toBeGreaterThan(0.29);
    expect(r.outside).toBeLessThan(0.006);
    const away = stepsInAndOut(x, [{ start: 100, end: 140 }]);
    expect(away.outside).toBeGreaterThan(0.29);
    expect(away.inside).toBeLessThan(0.006);
  });
});
