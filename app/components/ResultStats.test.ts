// The speed line and the timing table show one total: the engine's, not the stages summed with it.
import { describe, expect, it } from 'vitest';
import { timingRows } from './ResultStats';

describe('timingRows', () => {
  it("uses the engine's total once and lists only the stages", () => {
    const { stages, totalMs } = timingRows({ prepare: 10, decoder: 300, vocoder: 700, total: 1115 });
    expect(totalMs).toBe(1115);
    expect(stages.map(([s]) => s)).toEqual(['prepare', 'decoder', 'vocoder']);
  });

  it('sums the stages when the engine gave no total', () => {
    expect(timingRows({ a: 1, b: 2.5 }).totalMs).toBe(3.5);
  });
});
