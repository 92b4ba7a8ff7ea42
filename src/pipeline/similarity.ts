// Vector helpers for speaker embeddings: cosine, unit length, weighted mean. The meter a user sees
// compares the speaker verifier's embeddings (speaker-meter.ts, meter.ts); blends and tests use these
// on the converter's embeddings too.

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosine of vectors of length ${a.length} and ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Scales `v` to unit length in place (a zero vector stays zero) and returns it. */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/**
 * Weighted mean of embeddings, re-normalized to unit length (e.g. chunks weighted by frames).
 * @throws RangeError on an empty list
 */
export function meanEmbedding(items: { e: Float32Array; w: number }[]): Float32Array {
  if (items.length === 0) throw new RangeError('meanEmbedding of no embeddings');
  const out = new Float32Array(items[0].e.length);
  for (const { e, w } of items) for (let i = 0; i < out.length; i++) out[i] += e[i] * w;
  return normalize(out);
}
