// The meter's definition: the calibration math, the verdict thresholds, the not-shown readings, the
// speech check, and how a blend's verifier target is made. Calibration numbers here are examples; the
// engine reads the real ones from the manifest (they change with every verifier export).
import { describe, expect, it } from 'vitest';
import { METER, notShown, reading, sameSpeakerProbability, speechProblem, verdictOf } from './meter';
import { blendVerifierTargets, resolveVerifierTarget } from './speaker-meter';
import { cosine } from '../pipeline/similarity';

const cal = { a: 18, b: -8 };

describe('the meter', () => {
  it('maps a cosine through the logistic calibration and is monotonic', () => {
    expect(sameSpeakerProbability(8 / 18, cal)).toBeCloseTo(0.5, 6);
    expect(sameSpeakerProbability(1, cal)).toBeCloseTo(1 / (1 + Math.exp(-10)), 9);
    const ps = [-1, -0.2, 0, 0.3, 0.45, 0.6, 0.9].map((c) => sameSpeakerProbability(c, cal));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeGreaterThan(ps[i - 1]);
  });

  it('says likely at 0.7 and above, unlikely below 0.3, unclear between', () => {
    expect(verdictOf(METER.likelyP)).toBe('likely');
    expect(verdictOf(0.99)).toBe('likely');
    expect(verdictOf(0.69)).toBe('unclear');
    expect(verdictOf(METER.unlikelyP)).toBe('unclear');
    expect(verdictOf(0.29)).toBe('unlikely');
    expect(verdictOf(0)).toBe('unlikely');
  });

  it('gives a reading with its number and probability, or none with the reason', () => {
    const r = reading(0.7, cal);
    expect(r).toMatchObject({ cosine: 0.7, verdict: 'likely', reason: null });
    expect(r.probability).toBeCloseTo(sameSpeakerProbability(0.7, cal), 3);
    expect(reading(0.1, cal).verdict).toBe('unlikely');
    expect(notShown('The input is silent.')).toEqual({ cosine: null, probability: null, verdict: null, reason: 'The input is silent.' });
    const kept = notShown('Rejected.', { cosine: 0.9, calibration: cal });
    expect(kept.verdict).toBeNull();
    expect(kept.cosine).toBe(0.9);
  });

  it('calls too little voiced speech and a steady tone "not speech"', () => {
    expect(speechProblem(0.2, 0.1, 'input')).toMatch(/too little voiced speech \(0\.2 s\)/);
    expect(speechProblem(3, 0.001, 'input')).toMatch(/steady tone/);
    expect(speechProblem(3, NaN, 'input')).toMatch(/steady tone/);
    expect(speechProblem(3, 0.15, 'input')).toBeNull();
  });
});

describe("a blend's verifier target", () => {
  const a = Float32Array.from([1, 0, 0]);
  const b = Float32Array.from([0, 1, 0]);

  it('is the weighted mean of the parts, re-normalized', async () => {
    const t = blendVerifierTargets([
      { verifier: { embedding: a }, weight: 3 },
      { verifier: { embedding: b }, weight: 1 },
    ]);
    expect('embedding' in t).toBe(true);
    const e = (t as { embedding: Float32Array }).embedding;
    expect(Math.hypot(...e)).toBeCloseTo(1, 6);
    expect(cosine(e, Float32Array.from([3, 1, 0]))).toBeCloseTo(1, 6);
  });

  it('is missing when a part lacks one, and computed later when a part is pending', async () => {
    const missing = blendVerifierTargets([
      { verifier: { embedding: a }, weight: 1 },
      { verifier: { missing: 'Voice X has none.' }, weight: 1 },
    ]);
    expect(missing).toEqual({ missing: 'Voice X has none.' });
    // a part of weight 0 does not count
    expect('embedding' in blendVerifierTargets([{ verifier: { embedding: a }, weight: 1 }, { verifier: { missing: 'x' }, weight: 0 }])).toBe(true);
    const pending = blendVerifierTargets([
      { verifier: { embedding: a }, weight: 1 },
      { verifier: { pending: async () => b }, weight: 1 },
    ]);
    const r = await resolveVerifierTarget(pending);
    expect(cosine((r as { embedding: Float32Array }).embedding, Float32Array.from([1, 1, 0]))).toBeCloseTo(1, 6);
    const failed = await resolveVerifierTarget(blendVerifierTargets([{ verifier: { embedding: a }, weight: 1 }, { verifier: { pending: async () => null }, weight: 1 }]));
    expect('missing' in failed).toBe(true);
  });
});
