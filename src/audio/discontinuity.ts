// Sample-level discontinuities ("clicks"): the largest step |x[i+1] - x[i]| in a region. Used by the
// long-input test and scripts/long-input.ts to check that chunk boundaries of a long conversion add no
// jump larger than the ones the rest of the signal already has.

/** Largest |x[i+1] - x[i]| for i in [from, to - 1). */
export function maxStep(x: ArrayLike<number>, from = 0, to = x.length): number {
  let m = 0;
  const end = Math.min(to, x.length) - 1;
  for (let i = Math.max(0, from); i < end; i++) {
    const d = Math.abs(x[i + 1] - x[i]);
    if (d > m) m = d;
  }
  return m;
}

/**
 * The largest step inside the given regions and the largest step everywhere else.
 * @param regions [start, end) sample ranges (e.g. the crossfades between chunks)
 */
export function stepsInAndOut(x: ArrayLike<number>, regions: { start: number; end: number }[]): { inside: number; outside: number } {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  let inside = 0;
  let outside = 0;
  let pos = 0;
  for (const r of sorted) {
    outside = Math.max(outside, maxStep(x, pos, r.start + 1));
    inside = Math.max(inside, maxStep(x, r.start, r.end));
    pos = Math.max(pos, r.end - 1);
  }
  outside = Math.max(outside, maxStep(x, pos, x.length));
  return { inside, outside };
}
