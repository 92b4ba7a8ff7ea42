// STFT and inverse STFT per the feature contract (DESIGN §3): n_fft 1024, periodic Hann
// of 1024, hop 256, centered frames with reflect padding, T = 1 + floor(len / hop).
// Why it exists: log-mel, YIN framing and the Griffin-Lim vocoder share this framing, and
// it must match models/train/vc_train/features.py exactly.

import { getRealFFT } from './fft';

/** STFT framing options. */
export interface StftOptions {
  /** FFT size and window length (power of two). Default 1024. */
  nFft?: number;
  /** Hop between frames in samples. Default 256. */
  hop?: number;
}

/** Complex spectrogram, frame-major: bin k of frame t is at index t * bins + k. */
export interface Spectrogram {
  re: Float64Array;
  im: Float64Array;
  frames: number;
  bins: number;
  nFft: number;
  hop: number;
}

/** Default FFT size of the contract. */
export const N_FFT = 1024;
/** Default hop of the contract. */
export const HOP = 256;

const hannCache = new Map<number, Float64Array>();

/** Periodic Hann window of length n: 0.5 - 0.5 cos(2 pi k / n) (cached, do not modify). */
export function hannPeriodic(n: number): Float64Array {
  let w = hannCache.get(n);
  if (!w) {
    w = new Float64Array(n);
    for (let k = 0; k < n; k++) w[k] = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n);
    hannCache.set(n, w);
  }
  return w;
}

/** Number of centered frames for `nSamples` samples: 1 + floor(nSamples / hop). */
export function frameCount(nSamples: number, hop: number = HOP): number {
  return 1 + Math.floor(nSamples / hop);
}

/**
 * Reflect-pad (mirror without repeating the edge sample) by `pad` on both sides, for any
 * length: indices are mirrored with period 2(n-1); n == 1 repeats the sample; n == 0 gives zeros.
 * Identical to features.reflect_pad in Python.
 * @param out optional destination of length n + 2 * pad
 */
export function reflectPad(x: ArrayLike<number>, pad: number, out?: Float64Array): Float64Array {
  const n = x.length;
  const total = n + 2 * pad;
  const y = out ?? new Float64Array(total);
  if (n === 0) {
    y.fill(0, 0, total);
    return y;
  }
  if (n === 1) {
    y.fill(x[0], 0, total);
    return y;
  }
  const period = 2 * (n - 1);
  for (let i = 0; i < pad; i++) {
    y[i] = x[mirror(i - pad, n, period)];
    y[pad + n + i] = x[mirror(n + i, n, period)];
  }
  for (let i = 0; i < n; i++) y[pad + i] = x[i];
  return y;
}

function mirror(i: number, n: number, period: number): number {
  let m = i % period;
  if (m < 0) m += period;
  return m >= n ? period - m : m;
}

function check(nFft: number, hop: number): void {
  if (!Number.isInteger(hop) || hop < 1 || hop > nFft) throw new RangeError(`hop must be an integer in 1..nFft, got ${hop}`);
}

/** What every analysis pass needs: the checked sizes, the shared FFT, the padded signal and the window. */
function analysisSetup(audio: ArrayLike<number>, opts: StftOptions) {
  const nFft = opts.nFft ?? N_FFT;
  const hop = opts.hop ?? HOP;
  check(nFft, hop);
  const fft = getRealFFT(nFft);
  return { nFft, hop, fft, bins: fft.bins, frames: frameCount(audio.length, hop), padded: reflectPad(audio, nFft / 2), win: hannPeriodic(nFft) };
}

/**
 * Complex STFT of `audio` (centered, reflect padded, periodic Hann).
 * @returns frame-major spectrogram with T = 1 + floor(len / hop) frames of nFft/2+1 bins
 */
export function stft(audio: ArrayLike<number>, opts: StftOptions = {}): Spectrogram {
  const { nFft, hop, fft, bins, frames, padded, win } = analysisSetup(audio, opts);
  const re = new Float64Array(frames * bins);
  const im = new Float64Array(frames * bins);
  for (let t = 0; t < frames; t++) {
    fft.forwardWindowed(padded, t * hop, win, re.subarray(t * bins, (t + 1) * bins), im.subarray(t * bins, (t + 1) * bins));
  }
  return { re, im, frames, bins, nFft, hop };
}

/**
 * Linear STFT magnitude, frame-major [T][nFft/2+1].
 * @param out optional destination of length T * bins (reused between calls)
 */
export function stftMagnitude(audio: ArrayLike<number>, opts: StftOptions = {}, out?: Float64Array): { mag: Float64Array; frames: number; bins: number } {
  const { hop, fft, bins, frames, padded, win } = analysisSetup(audio, opts);
  const mag = out && out.length >= frames * bins ? out : new Float64Array(frames * bins);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    fft.forwardWindowed(padded, t * hop, win, re, im);
    const o = t * bins;
    for (let k = 0; k < bins; k++) mag[o + k] = Math.sqrt(re[k] * re[k] + im[k] * im[k]);
  }
  return { mag, frames, bins };
}

/**
 * Reciprocal of the summed squared window over the padded signal (0 where the sum is
 * below 1e-11), for inverse-STFT normalization. Length (frames - 1) * hop + nFft.
 * Shared and read-only: the last result is kept (live mode asks for the same one every block).
 */
export function inverseWindowSum(frames: number, nFft: number = N_FFT, hop: number = HOP): Float64Array {
  const last = lastInverse;
  if (last && last.frames === frames && last.nFft === nFft && last.hop === hop) return last.sum;
  const sum = computeInverseWindowSum(frames, nFft, hop);
  lastInverse = { frames, nFft, hop, sum };
  return sum;
}

let lastInverse: { frames: number; nFft: number; hop: number; sum: Float64Array } | null = null;

function computeInverseWindowSum(frames: number, nFft: number, hop: number): Float64Array {
  const win = hannPeriodic(nFft);
  const len = (frames - 1) * hop + nFft;
  const sum = new Float64Array(len);
  for (let t = 0; t < frames; t++) {
    const o = t * hop;
    for (let j = 0; j < nFft; j++) sum[o + j] += win[j] * win[j];
  }
  for (let i = 0; i < len; i++) sum[i] = sum[i] > 1e-11 ? 1 / sum[i] : 0;
  return sum;
}

/** Inverse STFT options. */
export interface IstftOptions {
  /** Output length in samples. Default (frames - 1) * hop. */
  length?: number;
}

/**
 * Inverse STFT by weighted overlap-add with window-sum normalization (the least-squares
 * inverse of `stft`); removes the centering pad.
 */
export function istft(spec: Spectrogram, opts: IstftOptions = {}): Float32Array {
  const { frames, bins, nFft, hop } = spec;
  const fft = getRealFFT(nFft);
  if (bins !== fft.bins) throw new RangeError('spectrogram bins do not match nFft');
  const win = hannPeriodic(nFft);
  const inv = inverseWindowSum(frames, nFft, hop);
  const acc = new Float64Array(inv.length);
  for (let t = 0; t < frames; t++) fft.inverseOverlapAdd(spec.re, spec.im, t * bins, acc, t * hop, win);
  const length = opts.length ?? (frames - 1) * hop;
  const out = new Float32Array(length);
  const pad = nFft / 2;
  const avail = Math.min(length, acc.length - pad);
  for (let i = 0; i < avail; i++) out[i] = acc[pad + i] * inv[pad + i];
  return out;
}

/**
 * Reflect-pad in place: `y` holds `n` samples at [pad, pad + n); fill both edges as reflectPad would
 * (for iterative synthesis that re-analyses its own output without allocating).
 */
export function padEdges(y: Float64Array, n: number, pad: number): void {
  if (n <= 1) {
    const v = n === 1 ? y[pad] : 0;
    y.fill(v, 0, pad);
    y.fill(v, pad + n, pad + n + pad);
    return;
  }
  const period = 2 * (n - 1);
  for (let i = 0; i < pad; i++) {
    let m = (i - pad) % period;
    if (m < 0) m += period;
    y[i] = y[pad + (m >= n ? period - m : m)];
    const m2 = (n + i) % period;
    y[pad + n + i] = y[pad + (m2 >= n ? period - m2 : m2)];
  }
}
