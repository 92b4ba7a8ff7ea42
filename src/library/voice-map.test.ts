import { describe, expect, it } from 'vitest';
import { createVoiceMap } from './voice-map';

describe('voice map', () => {
  it('spreads built-ins over roughly [-1, 1] along the two main axes and is deterministic', () => {
    const embs = [
      [1, 0, 0, 0],
      [-1, 0, 0, 0],
      [0, 0.5, 0, 0],
      [0, -0.5, 0, 0],
    ];
    const map = createVoiceMap(embs);
    const pts = embs.map((e) => map.project(e));
    expect(Math.max(...pts.map((p) => Math.abs(p[0])))).toBeCloseTo(1, 3);
    expect(Math.max(...pts.map((p) => Math.abs(p[1])))).toBeCloseTo(1, 3);
    expect(pts[0][0]).toBeGreaterThan(0); // sign fixed by the first voice
    expect(Math.abs(pts[2][0])).toBeLessThan(1e-3);
    expect(createVoiceMap(embs).project([0.3, 0.2, 0, 0])).toEqual(map.project([0.3, 0.2, 0, 0]));
  });

  it('clamps far-away voices and survives degenerate inputs', () => {
    const map = createVoiceMap([[1, 0], [0, 1]]);
    const p = map.project([50, -50]);
    expect(Math.abs(p[0])).toBeLessThanOrEqual(1.5);
    expect(createVoiceMap([]).project([1, 2])).toEqual([0, 0]);
    expect(createVoiceMap([[1, 0]]).project([1, 0])).toEqual([0, 0]);
  });
});
