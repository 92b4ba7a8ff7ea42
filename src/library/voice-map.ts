// The voice map: a fixed 2-D projection of speaker embeddings for VoiceInfo.map. The axes are the
// first two principal components of the built-in voices' embeddings, computed once when the library
// loads, and scaled so the built-ins fill roughly [-1, 1]; enrolled voices and blends project onto the
// same axes, so positions stay put as voices come and go.

/** A fixed projection of embeddings to the plane. */
export interface VoiceMap {
  /** Map position of an embedding, clamped to [-1.5, 1.5]. */
  project(embedding: ArrayLike<number>): [number, number];
}

/** Power iteration for the top eigenvector of a symmetric matrix given as x -> A x. */
function topEigen(apply: (v: Float64Array) => Float64Array, dim: number, seed: number): Float64Array {
  let v: Float64Array = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Math.sin(seed * 31.7 + i * 12.9898) + 0.01;
  for (let it = 0; it < 200; it++) {
    const w = apply(v);
    let n = 0;
    for (let i = 0; i < dim; i++) n += w[i] * w[i];
    n = Math.sqrt(n);
    if (!(n > 1e-12)) break;
    for (let i = 0; i < dim; i++) w[i] /= n;
    v = w;
  }
  return v;
}

/**
 * PCA map of `embeddings` (2 components). With fewer than 3 voices the axes are still well defined
 * (degenerate components come out as zero) so a map always exists.
 */
export function createVoiceMap(embeddings: ArrayLike<number>[]): VoiceMap {
  const n = embeddings.length;
  const dim = n > 0 ? embeddings[0].length : 0;
  const mean = new Float64Array(dim);
  for (const e of embeddings) for (let i = 0; i < dim; i++) mean[i] += e[i] / n;
  const centered = embeddings.map((e) => Float64Array.from({ length: dim }, (_, i) => e[i] - mean[i]));
  // Covariance applied implicitly: C v = sum_k x_k (x_k . v)
  const cov = (deflate: Float64Array[]) => (v: Float64Array): Float64Array => {
    const out = new Float64Array(dim);
    for (const x of centered) {
      let d = 0;
      for (let i = 0; i < dim; i++) d += x[i] * v[i];
      for (let i = 0; i < dim; i++) out[i] += x[i] * d;
    }
    for (const u of deflate) {
      let d = 0;
      for (let i = 0; i < dim; i++) d += u[i] * out[i];
      for (let i = 0; i < dim; i++) out[i] -= u[i] * d;
    }
    return out;
  };
  const axes: Float64Array[] = [];
  if (n >= 2 && dim > 0) {
    axes.push(topEigen(cov([]), dim, 1));
    axes.push(topEigen(cov([axes[0]]), dim, 2));
    // fix the sign: the first built-in lands on the positive side of each axis (stable across runs)
    for (const a of axes) {
      let d = 0;
      for (let i = 0; i < dim; i++) d += a[i] * centered[0][i];
      if (d < 0) for (let i = 0; i < dim; i++) a[i] = -a[i];
    }
  }
  const raw = (e: ArrayLike<number>): [number, number] => {
    const p: [number, number] = [0, 0];
    axes.forEach((a, k) => {
      let d = 0;
      for (let i = 0; i < dim; i++) d += a[i] * (e[i] - mean[i]);
      p[k] = d;
    });
    return p;
  };
  const scale = [1e-9, 1e-9];
  for (const e of embeddings) {
    const p = raw(e);
    scale[0] = Math.max(scale[0], Math.abs(p[0]));
    scale[1] = Math.max(scale[1], Math.abs(p[1]));
  }
  const clamp = (x: number): number => Math.max(-1.5, Math.min(1.5, x));
  return {
    project(embedding) {
      if (embedding.length !== dim || axes.length === 0) return [0, 0];
      const p = raw(embedding);
      return [round(clamp(p[0] / scale[0])), round(clamp(p[1] / scale[1]))];
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
