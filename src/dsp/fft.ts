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
  private readonly oddStages: boolean;
  private readonly tw4: Float64Array[][]; // [sign index][pass]: [cos k, s sin k, cos 2k, s sin 2k, cos 3k, s sin 3k], angle 2 pi k / size
  private readonly wRe: Float64Array; // cos(2 pi k / size), k <= half
  private readonly wIm: Float64Array; // -sin(2 pi k / size)
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;
  private sw = new Float64Array(0);
  private swFor: Float64Array | null = null;

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
    this.oddStages = bitsM % 2 === 1;
    this.tw4 = [[], []];
    for (let q = this.oddStages ? 2 : 1; 4 * q <= m; q *= 4) {
      const size = 4 * q;
      for (let si = 0; si < 2; si++) {
        const sg = si === 0 ? -1 : 1;
        const t = new Float64Array(6 * q);
        for (let k = 0; k < q; k++) {
          for (let h = 1; h <= 3; h++) {
            const a = (2 * Math.PI * h * k) / size;
            t[6 * k + 2 * (h - 1)] = Math.cos(a);
            t[6 * k + 2 * (h - 1) + 1] = sg * Math.sin(a);
          }
        }
        this.tw4[si].push(t);
      }
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

  /**
   * In-place complex FFT of (zr, zi) of length half, input already bit-reversed.
   * sign -1 forward, +1 inverse. One radix-2 pass when log2(half) is odd, then radix-4
   * passes (three twiddle products per butterfly, tables contiguous per pass).
   */
  private complexFft(sign: number, firstDone: boolean): void {
    const m = this.half;
    const re = this.zr;
    const im = this.zi;
    let q = 1;
    if (this.oddStages) {
      if (!firstDone) {
        for (let i = 0; i < m; i += 2) {
          const ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
          re[i] = ar + br; im[i] = ai + bi;
          re[i + 1] = ar - br; im[i + 1] = ai - bi;
        }
      }
      q = 2;
    }
    const tables = this.tw4[sign < 0 ? 0 : 1];
    let pass = 0;
    for (; 4 * q <= m; q *= 4, pass++) {
      const tw = tables[pass];
      const size = 4 * q;
      // k = 0: all three twiddles are 1, so the products are the inputs themselves (bit-identical, no multiplies)
      for (let i0 = 0; i0 < m; i0 += size) {
        const i1 = i0 + q, i2 = i1 + q, i3 = i2 + q;
        const p1r = re[i1], p1i = im[i1];
        const p2r = re[i2], p2i = im[i2];
        const p3r = re[i3], p3i = im[i3];
        const p0r = re[i0], p0i = im[i0];
        const ar = p0r + p1r, ai = p0i + p1i;
        const br = p0r - p1r, bi = p0i - p1i;
        const cr = p2r + p3r, ci = p2i + p3i;
        const dr = p2r - p3r, di = p2i - p3i;
        const er = -sign * di, ei = sign * dr;
        re[i0] = ar + cr; im[i0] = ai + ci;
        re[i2] = ar - cr; im[i2] = ai - ci;
        re[i1] = br + er; im[i1] = bi + ei;
        re[i3] = br - er; im[i3] = bi - ei;
      }
      // k outer / blocks inner: each twiddle triple is loaded once per pass
      for (let k = 1; k < q; k++) {
        const t6 = 6 * k;
        const c1 = tw[t6], s1 = tw[t6 + 1];
        const c2 = tw[t6 + 2], s2 = tw[t6 + 3];
        const c3 = tw[t6 + 4], s3 = tw[t6 + 5];
        for (let i0 = k; i0 < m; i0 += size) {
          const i1 = i0 + q, i2 = i1 + q, i3 = i2 + q;
          // P1 (at i1) gets w^2k, P2 (at i2) gets w^k, P3 gets w^3k
          const x1r = re[i1], x1i = im[i1];
          const p1r = x1r * c2 - x1i * s2, p1i = x1r * s2 + x1i * c2;
          const x2r = re[i2], x2i = im[i2];
          const p2r = x2r * c1 - x2i * s1, p2i = x2r * s1 + x2i * c1;
          const x3r = re[i3], x3i = im[i3];
          const p3r = x3r * c3 - x3i * s3, p3i = x3r * s3 + x3i * c3;
          const p0r = re[i0], p0i = im[i0];
          const ar = p0r + p1r, ai = p0i + p1i;
          const br = p0r - p1r, bi = p0i - p1i;
          const cr = p2r + p3r, ci = p2i + p3i;
          const dr = p2r - p3r, di = p2i - p3i;
          // (sign i) * d : forward multiplies by -i
          const er = -sign * di, ei = sign * dr; // sign is -1 or 1
          re[i0] = ar + cr; im[i0] = ai + ci;
          re[i2] = ar - cr; im[i2] = ai - ci;
          re[i1] = br + er; im[i1] = bi + ei;
          re[i3] = br - er; im[i3] = bi - ei;
        }
      }
    }
  }

  /**
   * In-place complex inverse FFT (sign +1) of (zr, zi) of length half by decimation in frequency: input in natural
   * order, output in bit-reversed order. Radix-4 passes from the largest block down; when log2(half) is odd the last
   * radix-2 pass (no twiddles) is left to the caller, which fuses it with reading the output out of bit-reversed
   * order (`inverse`, `inverseOverlapAdd`): one sweep fewer than loading the input bit-reversed for `complexFft`.
   */
  private complexDif(): void {
    const m = this.half;
    const re = this.zr;
    const im = this.zi;
    const tables = this.tw4[1];
    for (let pass = tables.length - 1; pass >= 0; pass--) {
      const tw = tables[pass];
      const q = tw.length / 6;
      const size = 4 * q;
      // each block: A = x0 + x2, B = x1 + x3, C = x0 - x2, D = i (x1 - x3); out0 = A + B, out1 = (A - B) w^2k,
      // out2 = (C + D) w^k, out3 = (C - D) w^3k (two radix-2 DIF stages in one)
      for (let k = 0; k < q; k++) {
        const t6 = 6 * k;
        const c1 = tw[t6], s1 = tw[t6 + 1];
        const c2 = tw[t6 + 2], s2 = tw[t6 + 3];
        const c3 = tw[t6 + 4], s3 = tw[t6 + 5];
        for (let i0 = k; i0 < m; i0 += size) {
          const i1 = i0 + q, i2 = i1 + q, i3 = i2 + q;
          const x0r = re[i0], x0i = im[i0];
          const x1r = re[i1], x1i = im[i1];
          const x2r = re[i2], x2i = im[i2];
          const x3r = re[i3], x3i = im[i3];
          const ar = x0r + x2r, ai = x0i + x2i;
          const br = x1r + x3r, bi = x1i + x3i;
          const cr = x0r - x2r, ci = x0i - x2i;
          const dr = -(x1i - x3i), di = x1r - x3r; // i (x1 - x3)
          re[i0] = ar + br; im[i0] = ai + bi;
          const er = ar - br, ei = ai - bi;
          re[i1] = er * c2 - ei * s2; im[i1] = er * s2 + ei * c2;
          const fr = cr + dr, fi = ci + di;
          re[i2] = fr * c1 - fi * s1; im[i2] = fr * s1 + fi * c1;
          const gr = cr - dr, gi = ci - di;
          re[i3] = gr * c3 - gi * s3; im[i3] = gr * s3 + gi * c3;
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
    if (this.oddStages) {
      // bit-reversed load fused with the radix-2 pass: rev[i + 1] = rev[i] + m / 2
      for (let i = 0; i < m; i += 2) {
        const j = offset + 2 * rev[i];
        const ar = input[j], ai = input[j + 1], br = input[j + m], bi = input[j + m + 1];
        zr[i] = ar + br; zi[i] = ai + bi;
        zr[i + 1] = ar - br; zi[i + 1] = ai - bi;
      }
      this.complexFft(-1, true);
    } else {
      for (let k = 0; k < m; k++) {
        const r = rev[k];
        zr[r] = input[offset + 2 * k];
        zi[r] = input[offset + 2 * k + 1];
      }
      this.complexFft(-1, false);
    }
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
    if (this.oddStages) {
      for (let i = 0; i < m; i += 2) {
        const w = 2 * rev[i];
        const j = offset + w;
        const ar = input[j] * window[w], ai = input[j + 1] * window[w + 1];
        const br = input[j + m] * window[w + m], bi = input[j + m + 1] * window[w + m + 1];
        zr[i] = ar + br; zi[i] = ai + bi;
        zr[i + 1] = ar - br; zi[i + 1] = ai - bi;
      }
      this.complexFft(-1, true);
    } else {
      for (let k = 0; k < m; k++) {
        const r = rev[k];
        const j = 2 * k;
        zr[r] = input[offset + j] * window[j];
        zi[r] = input[offset + j + 1] * window[j + 1];
      }
      this.complexFft(-1, false);
    }
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
    // bins k and m - k share Z[k] and Z[m - k]; w[m - k] = -conj(w[k])
    for (let k = 1, h = m >> 1; k <= h; k++) {
      const j = m - k;
      const ar = zr[k], ai = zi[k];
      const br = zr[j], bi = zi[j];
      const er = 0.5 * (ar + br), ei = 0.5 * (ai - bi); // even part of bin k
      const dr = 0.5 * (ar - br), di = 0.5 * (ai + bi);
      const wr = wRe[k], wi = wIm[k];
      // odd(k) = (di, -dr); X[k] = e + w * odd
      outRe[k] = er + (di * wr + dr * wi);
      outIm[k] = ei + (di * wi - dr * wr);
      // X[j]: even = (er, -ei), odd = (di, dr), w[j] = (-wr, wi)
      outRe[j] = er + (-di * wr - dr * wi);
      outIm[j] = -ei + (di * wi - dr * wr);
    }
  }

  /**
   * Inverse real FFT (scaled by 1/size): half-spectrum -> `size` real samples.
   * The imaginary parts of bins 0 and size/2 are ignored.
   * @param out destination, `size` samples written from `offset`
   * @param inOffset index of bin 0 in `re` / `im` (default 0)
   */
  inverse(re: Float64Array | Float32Array, im: Float64Array | Float32Array, out: Float64Array | Float32Array, offset = 0, inOffset = 0): void {
    this.inverseCore(re, im, inOffset);
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const rev = this.rev;
    const scale = 1 / m;
    if (this.oddStages) {
      // the last radix-2 pass fused: positions p, p + 1 hold outputs rev[p] and rev[p] + m / 2
      for (let p = 0; p < m; p += 2) {
        const ar = zr[p], ai = zi[p], br = zr[p + 1], bi = zi[p + 1];
        const j = offset + 2 * rev[p];
        out[j] = (ar + br) * scale;
        out[j + 1] = (ai + bi) * scale;
        out[j + m] = (ar - br) * scale;
        out[j + m + 1] = (ai - bi) * scale;
      }
    } else {
      for (let p = 0; p < m; p++) {
        const j = offset + 2 * rev[p];
        out[j] = zr[p] * scale;
        out[j + 1] = zi[p] * scale;
      }
    }
  }

  /**
   * Inverse real FFT fused with windowed overlap-add: acc[accOffset + j] += x[j] * window[j]
   * where x is the (1/size scaled) inverse transform of the half-spectrum at `inOffset`.
   */
  inverseOverlapAdd(re: Float64Array | Float32Array, im: Float64Array | Float32Array, inOffset: number, acc: Float64Array, accOffset: number, window: Float64Array): void {
    this.inverseCore(re, im, inOffset);
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    // zr * (window / m) is zr / m * window exactly: m is a power of two, so both scalings are exact
    const sw = this.scaledWindow(window);
    const rev = this.rev;
    if (this.oddStages) {
      // the last radix-2 pass fused: positions p, p + 1 hold outputs rev[p] and rev[p] + m / 2 (samples 2 rev[p] + m ..)
      for (let p = 0; p < m; p += 2) {
        const ar = zr[p], ai = zi[p], br = zr[p + 1], bi = zi[p + 1];
        const j = 2 * rev[p];
        const o = accOffset + j;
        acc[o] += (ar + br) * sw[j];
        acc[o + 1] += (ai + bi) * sw[j + 1];
        acc[o + m] += (ar - br) * sw[j + m];
        acc[o + m + 1] += (ai - bi) * sw[j + m + 1];
      }
    } else {
      for (let p = 0; p < m; p++) {
        const j = 2 * rev[p];
        acc[accOffset + j] += zr[p] * sw[j];
        acc[accOffset + j + 1] += zi[p] * sw[j + 1];
      }
    }
  }

  /** `window` / half, cached for the last window seen (callers pass one cached window per size). */
  private scaledWindow(window: Float64Array): Float64Array {
    if (this.swFor !== window) {
      const scale = 1 / this.half;
      this.sw = Float64Array.from(window, (v) => v * scale);
      this.swFor = window;
    }
    return this.sw;
  }

  private inverseCore(re: Float64Array | Float32Array, im: Float64Array | Float32Array, base: number): void {
    const m = this.half;
    const zr = this.zr;
    const zi = this.zi;
    const wRe = this.wRe;
    const wIm = this.wIm;
    {
      const x0 = re[base], xm = re[base + m];
      zr[0] = 0.5 * (x0 + xm);
      zi[0] = 0.5 * (x0 - xm);
    }
    for (let k = 1, h = m >> 1; k <= h; k++) {
      const j = m - k;
      const ar = re[base + k], ai = im[base + k];
      const br = re[base + j], bi = -im[base + j]; // conj(X[m - k])
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const dr = 0.5 * (ar - br), di = 0.5 * (ai - bi);
      // odd(k) = d * conj(w[k]); conj(w) = (wr, -wi)
      const wr = wRe[k], wi = -wIm[k];
      const or = dr * wr - di * wi;
      const oi = dr * wi + di * wr;
      zr[k] = er - oi;
      zi[k] = ei + or;
      // bin j: even = (er, -ei), d = (-dr, di), conj(w[j]) = (-wr, wi): odd(j) = (or, -oi)
      zr[j] = er + oi;
      zi[j] = or - ei;
    }
    this.complexDif();
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
