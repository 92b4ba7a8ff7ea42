// The speed line and the timing table show one total: the engine's, not the stages summed with it.
import { describe, expect, it } from 'vitest';
import { meterTitle, meterWord } from '../lib/meter';
import { meterReasons, timingRows } from './ResultStats';

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

describe('the "sounds like" meter words', () => {
  const shown = { cosine: 0.71, probability: 0.987, verdict: 'likely' as const, reason: null };
  const hidden = (reason: string) => ({ cosine: null, probability: null, verdict: null, reason });

  it('shows the verdict with the number and probability on hover', () => {
    expect(meterWord(shown)).toBe('likely');
    expect(meterTitle(shown)).toMatch(/cosine 0\.71.*99%/);
  });

  it('says "not shown" with the reason, each reason once', () => {
    const why = 'The input was rejected by the quality check (silent).';
    expect(meterWord(hidden(why))).toBe('not shown');
    expect(meterTitle(hidden(why))).toBe(why);
    expect(meterReasons({ similarity: { toTarget: hidden(why), toSource: hidden(why) } })).toEqual([why]);
    expect(meterReasons({ similarity: { toTarget: shown, toSource: shown } })).toEqual([]);
  });
});
