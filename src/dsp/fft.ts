// Real FFT (radix-2) on Float64Arrays with precomputed twiddles and bit-reversal tables.
// Why it exists: the STFT, YIN and Griffin-Lim run thousands of 1024-point transforms per
// second of audio; one plan object per size, reused, keeps the inner loops allocation-free.
// Double precision keeps the log-mel within 1e-4 of numpy (DESIGN §3 parity).

/**
 * A reusable real FFT plan of size `n` (a power of two, >= 4).
 *
 * Spectra are split into real and imaginary arrays of length `n / 2 + 1` (bins 0..n/2).
 * `forward` computes X[k] = sum_j x[j] e^{-2 pi i jk/n} (unscaled); `inverse` computes the
 * real signal whose forward transform is the given half-spectrum, scaled by 1/n, so
 * inverse(forward(x)) == x.
 */
export class RealFFT {
  /** Transform size (number of real samples). */
  readonly size: number;
  /** Number of spectrum bins, size / 2 + 1. */
  readonly bins: number;
  private readonly half: number;
  private readonly rev: Uint32Array;
  private readonly cosT: Float64Array; // cos(2 pi k / half), k < half / 2
  private readonly sinT: Float64Array;
  private readonly wRe: Float64Array; // cos(2 pi k / size), k <= half
  private readonly wIm: Float64Array; // -sin(2 pi k / size)
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  /** @param n transform size, a power of two >= 4 */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) {
      throw new RangeError(`RealFFT size must be a power of two >= 4, got ${n}`);
    }
    this.size = n;
    this.bins = n / 2 + 1;
    const m = n / 2;
    this.half = m;
    const bitsM = Math.round(Math.log2(m));
    this.rev = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bitsM; b++) r |= ((i >> b) & 1) << (bitsM - 1 - b);
      this.rev[i] = r;
    }
    const q = Math.max(1, m / 2);
    this.cosT = new Float64Array(q);
    this.sinT = new Float64Array(q);
    for (let k = 0; k < q; k++) {
      this.cosT[k] = Math.cos((2 * Math.PI * k) / m);
      this.sinT[k] = Math.sin((2 * Math.PI * k) / m);
    }
    this.wRe = new Float64Array(m + 1);
    this.wIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.wRe[k] = Math.cos((2 * Math.PI * k) / n);
      this.wIm[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /** In-place complex FFT of (zr, zi) of length half, input already bit-reversed. sign -1 forward, +1 inverse. */
  private complexFft(sign: number): void {
    const m = this.half;
    const re = this.zr;
    const im = this.zi;
    const cosT = this.cosT;
    const sinT = this.sinT;
    // size-2 butterflies
    for (let i = 0; i < m; i += 2) {
      const ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
      re[i] = ar + br; im[i] = ai + bi;
      re[i + 1] = ar - br; im[i + 1] = ai - bi;
    }
    // size-4 butterflies (twiddle 1 and -+i)
    if (m >= 4) {
      for (let i = 0; i < m; i += 4) {
        let ar = re[i], ai = im[i], br = re[i + 2], bi = im[i + 2];
        re[i] = ar + br; im[i] = ai + bi;
        re[i + 2] = ar - br; im[i + 2] = ai - bi;
        ar = re[i + 1]; ai = im[i + 1]; br = re[i + 3]; bi = im[i + 3];
        // t = b * (sign i): forward multiplies by -i
        const tr = -sign * bi;
        const ti = sign * br;
        re[i + 1] = ar + tr; im[i + 1] = ai + ti;
        re[i + 3] = ar - tr; im[i + 3] = ai - ti;
      }
    }
    for (let size = 8; size <= m; size <<= 1) {
      const halfSize = size >> 1;
      const step = m / size;
      for (let i = 0; i < m; i += size) {
        for (let j = 0, k = 0; j < halfSize; j++, k += step) {
          const c = cosT[k];
          const s = sign * sinT[k];
          const p = i + j;
          const q = p + halfSize;
          const br = re[q], bi = im[q];
          const tr = br * c - bi * s;
          const ti = br * s + bi * c;
          const ar = re[p], ai = im[p];
          re[p] = ar + tr; im[p] = ai + ti;
          re[q] = ar - tr; im[q] = ai - ti;
        }
      }
    }
  }

  /**
   * Forward real FFT.
   * @param input `size` real samples (read from `offset`)
   * @param outRe real parts, length >= bins
   * @param outIm imaginary parts, length >= bins
   * @param offset start index in `input` (default 0)
   */
  forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array, offset = 0): void {
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const rev = this.rev;
    for (let k = 0; k < m; k++) {
      const r = rev[k];
      zr[r] = input[offset + 2 * k];
      zi[r] = input[offset + 2 * k + 1];
    }
    this.complexFft(-1);
    this.splitForward(outRe, outIm);
  }

  /**
   * Forward real FFT of `x * window` without a temporary array.
   * @param input signal, `size` samples read from `offset`
   * @param window window of length `size`
   */
  forwardWindowed(input: ArrayLike<number>, offset: number, window: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const rev = this.rev;
    for (let k = 0; k < m; k++) {
      const r = rev[k];
      const j = 2 * k;
      zr[r] = input[offset + j] * window[j];
      zi[r] = input[offset + j + 1] * window[j + 1];
    }
    this.complexFft(-1);
    this.splitForward(outRe, outIm);
  }

  private splitForward(outRe: Float64Array, outIm: Float64Array): void {
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const wRe = this.wRe;
    const wIm = this.wIm;
    outRe[0] = zr[0] + zi[0];
    outIm[0] = 0;
    outRe[m] = zr[0] - zi[0];
    outIm[m] = 0;
    for (let k = 1; k < m; k++) {
      const ar = zr[k], ai = zi[k];
      const br = zr[m - k], bi = -zi[m - k]; // conj(Z[m-k])
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi); // even part
      // odd part: (Z[k] - conj Z[m-k]) / (2i)
      const dr = 0.5 * (ar - br), di = 0.5 * (ai - bi);
      const or = di, oi = -dr;
      const wr = wRe[k], wi = wIm[k];
      outRe[k] = er + (or * wr - oi * wi);
      outIm[k] = ei + (or * wi + oi * wr);
    }
  }

  /**
   * Inverse real FFT (scaled by 1/size): half-spectrum -> `size` real samples.
   * The imaginary parts of bins 0 and size/2 are ignored.
   * @param out destination, `size` samples written from `offset`
   */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, out: Float64Array | Float32Array, offset = 0): void {
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const rev = this.rev;
    const wRe = this.wRe;
    const wIm = this.wIm;
    for (let k = 0; k < m; k++) {
      const ar = re[k], ai = k === 0 ? 0 : im[k];
      const br = re[m - k], bi = m - k === m ? 0 : -im[m - k]; // conj(X[m-k])
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const dr = 0.5 * (ar - br), di = 0.5 * (ai - bi);
      // odd = d * conj(w)  (w = e^{-2 pi i k / n})
      const wr = wRe[k], wi = -wIm[k];
      const or = dr * wr - di * wi;
      const oi = dr * wi + di * wr;
      // Z = even + i * odd
      const r = rev[k];
      zr[r] = er - oi;
      zi[r] = ei + or;
    }
    this.complexFft(1);
    const scale = 1 / m;
    for (let k = 0; k < m; k++) {
      out[offset + 2 * k] = zr[k] * scale;
      out[offset + 2 * k + 1] = zi[k] * scale;
    }
  }
}

const plans = new Map<number, RealFFT>();

/** A shared (cached) plan for size `n`. Not for concurrent use across async boundaries mid-transform (transforms are synchronous, so this is safe in one thread). */
export function getRealFFT(n: number): RealFFT {
  let p = plans.get(n);
  if (!p) {
    p = new RealFFT(n);
    plans.set(n, p);
  }
  return p;
}
