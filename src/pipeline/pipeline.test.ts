// Unit parts of the pipeline that need no model: chunk planning and loudness matching. The
// model-backed conversion tests are in convert.test.ts.
import { describe, expect, it } from 'vitest';
import { integratedLoudness } from '../audio/level';
import { HOP, matchLoudness, planChunks } from './pipeline';

describe('planChunks', () => {
  it('keeps short input whole', () => {
    expect(planChunks(16000 * 10, 160000, 8000)).toEqual([{ start: 0, end: 160000 }]);
    expect(planChunks(100, 160000, 8000)).toEqual([{ start: 0, end: 100 }]);
  });

  it('covers long input with frame-aligned, overlapping chunks and no sliver at the end', () => {
    for (const n of [16000 * 25, 16000 * 61 + 123, 16000 * 600]) {
      const chunks = planChunks(n, 160000, 8000);
      expect(chunks[0].start).toBe(0);
      expect(chunks.at(-1)!.end).toBe(n);
      for (let i = 1; i < chunks.length; i++) {
        expect(chunks[i].start % HOP).toBe(0);
        expect(chunks[i - 1].end - chunks[i].start).toBeGreaterThanOrEqual(8000);
        expect(chunks[i].end - chunks[i].start).toBeGreaterThanOrEqual(16000);
      }
      expect(Math.max(...chunks.map((c) => c.end - c.start))).toBeLessThanOrEqual(160000 + 2 * 8000);
    }
  });
});

describe('matchLoudness', () => {
  it('matches the speech level of the source and keeps the peak below -0.5 dBFS', () => {
    const src = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin(i / 5));
    const out = Float32Array.from({ length: 16000 }, (_, i) => 0.01 * Math.sin(i / 7));
    matchLoudness(out, src);
    expect(integratedLoudness({ sampleRate: 16000, channels: [out] })).toBeCloseTo(integratedLoudness({ sampleRate: 16000, channels: [src] }), 1);
    const loud = Float32Array.from({ length: 16000 }, (_, i) => (i === 5 ? 0.01 : 0.001));
    matchLoudness(loud, src);
    expect(Math.max(...loud)).toBeLessThanOrEqual(0.945);
  });
});
