// `npm run bench` measures real speech shipped in the checkout (fixtures/cathy), never a synthetic
// stand-in on a fresh clone.
import { describe, expect, it } from 'vitest';
import { benchSummary, runDspBench } from './bench';

describe('bench', () => {
  it('runs on the shipped CC0 speech clip', async () => {
    const r = await runDspBench({ seconds: 2, repeats: 1, glIterations: 2 });
    expect(r.clip).toBe('cathy');
    expect(r.clipSeconds).toBeCloseTo(2, 1);
    // Real speech is not silent: its log-mel spans a wide range.
    expect(Math.max(...r.mel.data) - Math.min(...r.mel.data)).toBeGreaterThan(5);
    const summary = benchSummary(r, 2);
    expect(summary).toMatchObject({ clip: 'cathy', clipSeconds: r.clipSeconds });
  });
});
