import { describe, expect, it } from 'vitest';
import { blendVoices } from './blend';
import { cosine } from './similarity';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

describe('blendVoices', () => {
  const a = { embedding: unit(1, 0, 0), f0: { mean: Math.log(100), std: 0.1 } };
  const b = { embedding: unit(0, 1, 0), f0: { mean: Math.log(200), std: 0.3 } };

  it('is the normalized weighted sum, re-normalized, with blended pitch statistics', () => {
    const m = blendVoices([{ voice: a, weight: 3 }, { voice: b, weight: 1 }]);
    expect(Math.hypot(...m.embedding)).toBeCloseTo(1, 6);
    expect(m.embedding[0] / m.embedding[1]).toBeCloseTo(3, 5);
    expect(m.f0.mean).toBeCloseTo(0.75 * Math.log(100) + 0.25 * Math.log(200), 6);
    expect(m.f0.std).toBeCloseTo(0.15, 6);
  });

  it('lands between its parts', () => {
    const m = blendVoices([{ voice: a, weight: 1 }, { voice: b, weight: 1 }]);
    expect(cosine(m.embedding, a.embedding)).toBeGreaterThan(cosine(a.embedding, b.embedding));
    expect(cosine(m.embedding, b.embedding)).toBeGreaterThan(cosine(a.embedding, b.embedding));
    expect(cosine(m.embedding, a.embedding)).toBeCloseTo(cosine(m.embedding, b.embedding), 6);
  });

  it('ignores zero weights and refuses an all-zero blend', () => {
    expect(blendVoices([{ voice: a, weight: 0 }, { voice: b, weight: 2 }]).embedding).toEqual(b.embedding);
    expect(() => blendVoices([{ voice: a, weight: 0 }])).toThrow(/weight above zero/);
  });
});
