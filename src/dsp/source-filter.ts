// Harmonic-plus-noise source-filter synthesis: the signal path of the neural vocoder (DESIGN §4).
// Why it exists: the decoder's log-mel is a smooth envelope without harmonics, and Griffin-Lim turns it
// into breathy, phasey audio. Here the harmonics come from the pitch the pipeline already has: a
// band-limited pulse train at F0 plus white noise, mixed per mel band by an aperiodicity, shaped to the
// spectral envelope the log-mel asks for, then a few consistency passes (inverse STFT, STFT, gains again).
// The envelope is taken at the resolution of the harmonic spacing (mel bands smoothed by a Gaussian of
// std SMOOTH_F0 * F0), so a decoder's smooth log-mel gets harmonics under its envelope rather than noise
// boosted into the valleys; a per-band `detail` (0..1) blends toward matching every band exactly.
// vocoder.onnx predicts the aperiodicity and the detail. The Python twin is
// models/train/vc_train/source_filter.py; parity vectors in testdata/ check that both agree.
// Long inputs: the pulse phase and the noise depend on the absolute sample position (phase0, startSample),
// so overlapping chunks synthesize the same signal and crossfade without a seam.

import { getRealFFT } from './fft';
import { melFilterbank, type MelFilterbank } from './mel';
import { scratch32i, scratch64 } from './scratch';
import { frameCount, HOP, hannPeriodic, inverseWindowSum, N_FFT, padEdges } from './stft';

/** Highest harmonic synthesized, Hz. */
export const HARMONIC_CEIL = 7600;
/** F0 held through a clip without any voiced frame, Hz. */
export const DEFAULT_F0 = 120;
/** Default consistency passes (mel error of resynthesis 0.26 -> 0.12 from 0 to 4 passes). */
export const DEFAULT_PASSES = 4;
/** Envelope smoothing: Gaussian over band centres of std SMOOTH_F0 * F0 (Hz). */
export const SMOOTH_F0 = 0.5;
/** The detail blend when none is given. */
export const DEFAULT_DETAIL = 0.5;
/** Kernel weights beyond this many standard deviations are left out (exp(-12.5) of the peak). */
const KERNEL_REACH = 5;
const NOISE_SEED = 7;
const EPS = 1e-8;
const SR = 16000;

/** Options of `sourceFilter`. */
export interface SourceFilterOptions {
  /** Consistency passes after the first synthesis. Default DEFAULT_PASSES (4). */
  passes?: number;
  /** Output length in samples. Default (frames - 1) * hop. */
  length?: number;
  /** Pulse phase (radians) accumulated before sample 0 (see `pulsePhaseAt`). Default 0. */
  phase0?: number;
  /** Absolute index of sample 0, for the position-keyed noise. Default 0. */
  startSample?: number;
  /** Noise seed. Default 7 (the training's). */
  seed?: number;
  /** Band-major [80][frames] in [0, 1]: 0 = smooth envelope over the excitation's harmonics, 1 = match every band. Default DEFAULT_DETAIL. */
  detail?: Float32Array;
  /**
   * Take the aperiodicity as given in unvoiced frames too (a network trained so decides voicing there, e.g. in
   * frames the pitch tracker missed). Default false: unvoiced frames are all noise.
   */
  freeVoicing?: boolean;
}

/** Per-frame envelope kernels, sparse: row (t, i) holds weights for bands lo..lo+len-1 at offset off. */
interface Kernels {
  lo: Int32Array;
  len: Int32Array;
  off: Int32Array;
  w: Float64Array;
}

/**
 * The Gaussian smoothing over band centres of each frame (std SMOOTH_F0 * F0, at least 1 Hz), rows normalized.
 * Building it costs more than applying it (one exp per weight), so: a frame with the same F0 as the one
 * before (held pitch through unvoiced stretches) shares that frame's rows, and each weight pair (i, j),
 * (j, i) takes one exp (the kernel is symmetric before the row normalization: c_i - c_j = -(c_j - c_i) exactly).
 */
function envelopeKernels(f0Hz: ArrayLike<number>, frames: number, centres: Float64Array): Kernels {
  const n = centres.length;
  // pooled work space (scratch.ts): every entry read below is written first in this call
  const lo = scratch32i('sf.lo', frames * n);
  const len = scratch32i('sf.len', frames * n);
  const off = scratch32i('sf.off', frames * n);
  const ends = scratch32i('sf.ends', n);
  const pair = scratch64('sf.pair', n * n); // unnormalized weights of the frame, pair[i * n + j]
  let w = scratch64('sf.w', frames * n * 8);
  let used = 0;
  let prevSig = NaN;
  for (let t = 0; t < frames; t++) {
    const sig = Math.max(SMOOTH_F0 * f0Hz[t], 1);
    const r0 = t * n;
    if (sig === prevSig) {
      lo.copyWithin(r0, r0 - n, r0);
      len.copyWithin(r0, r0 - n, r0);
      off.copyWithin(r0, r0 - n, r0);
      continue;
    }
    prevSig = sig;
    const reach = KERNEL_REACH * sig;
    // row i spans the bands within `reach` of centre i: both ends only move up with i (centres ascend)
    let a = 0;
    let b = 1;
    for (let i = 0; i < n; i++) {
      const ci = centres[i];
      while (ci - centres[a] > reach) a++;
      if (b < i + 1) b = i + 1;
      while (b < n && centres[b] - ci <= reach) b++;
      lo[r0 + i] = a;
      ends[i] = b;
      pair[i * n + i] = 1;
      for (let j = i + 1; j < b; j++) {
        const d = (ci - centres[j]) / sig;
        const v = Math.exp(-0.5 * d * d);
        pair[i * n + j] = v;
        pair[j * n + i] = v;
      }
    }
    for (let i = 0; i < n; i++) {
      const a0 = lo[r0 + i];
      const m = ends[i] - a0;
      if (used + m > w.length) {
        const grown = scratch64('sf.w', w.length * 2); // a new buffer: `w` still holds the old one
        grown.set(w);
        w = grown;
      }
      let s = 0;
      const p = i * n + a0;
      for (let j = 0; j < m; j++) s += pair[p + j];
      for (let j = 0; j < m; j++) w[used + j] = pair[p + j] / s;
      len[r0 + i] = m;
      off[r0 + i] = used;
      used += m;
    }
  }
  return { lo, len, off, w };
}

/** out[i] = sum_j K[t](i, j) src[j]. */
function smoothBands(k: Kernels, t: number, src: Float64Array, out: Float64Array): void {
  const n = src.length;
  const { lo, len, off, w } = k;
  for (let i = 0, r = t * n; i < n; i++, r++) {
    const d = lo[r] - off[r];
    let s = 0;
    for (let j = off[r], e = j + len[r]; j < e; j++) s += w[j] * src[d + j];
    out[i] = s;
  }
}

/** Band-to-bin interpolation: each bin mixes at most two neighbouring bands. */
interface BandPlan {
  fb: MelFilterbank;
  lo: Int32Array;
  wLo: Float64Array;
  hi: Int32Array;
  wHi: Float64Array;
  /** Runs of bins with the same (lo, hi): run r covers bins runStart[r]..runStart[r + 1] - 1. */
  runStart: Int32Array;
  runLo: Int32Array;
  runHi: Int32Array;
}

let plan: BandPlan | null = null;

/** The filterbank's triangles, each bin normalized to sum 1 (piecewise-linear between band centres). */
function bandPlan(): BandPlan {
  if (plan) return plan;
  const fb = melFilterbank();
  const { nMels, bins, weights } = fb;
  const centres = new Int32Array(nMels);
  const peak = new Float64Array(nMels);
  for (let b = 0; b < nMels; b++) {
    for (let k = 0; k < bins; k++) {
      if (weights[b * bins + k] > peak[b]) {
        peak[b] = weights[b * bins + k];
        centres[b] = k;
      }
    }
  }
  const lo = new Int32Array(bins).fill(-1);
  const hi = new Int32Array(bins).fill(-1);
  // outside the outer band centres a bin takes the outer band alone (hi = lo with weight 0)
  const wLo = new Float64Array(bins);
  const wHi = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    if (k <= centres[0] || k >= centres[nMels - 1]) {
      lo[k] = hi[k] = k <= centres[0] ? 0 : nMels - 1;
      wLo[k] = 1;
      continue;
    }
    let s = 0;
    for (let b = 0; b < nMels; b++) {
      const w = weights[b * bins + k] / peak[b];
      if (w <= 0) continue;
      if (lo[k] < 0) {
        lo[k] = b;
        wLo[k] = w;
      } else {
        hi[k] = b;
        wHi[k] = w;
      }
      s += w;
    }
    wLo[k] /= s;
    wHi[k] /= s;
    if (hi[k] < 0) hi[k] = lo[k];
  }
  const starts: number[] = [];
  for (let k = 0; k < bins; k++) if (k === 0 || lo[k] !== lo[k - 1] || hi[k] !== hi[k - 1]) starts.push(k);
  const runStart = Int32Array.from([...starts, bins]);
  const runLo = Int32Array.from(starts, (k) => lo[k]);
  const runHi = Int32Array.from(starts, (k) => hi[k]);
  plan = { fb, lo, wLo, hi, wHi, runStart, runLo, runHi };
  return plan;
}

/**
 * Per-frame F0 in Hz for synthesis: voiced frames take exp(logF0), unvoiced frames the nearest voiced
 * frame's F0 (ties to the earlier one), a clip without voiced frames DEFAULT_F0.
 */
export function heldPitchHz(logF0: ArrayLike<number>, voiced: ArrayLike<number>): Float64Array {
  const t = logF0.length;
  const out = new Float64Array(t);
  let last = -1;
  const prev = new Int32Array(t);
  for (let i = 0; i < t; i++) {
    if (voiced[i] > 0.5) last = i;
    prev[i] = last;
  }
  let next = -1;
  for (let i = t - 1; i >= 0; i--) {
    if (voiced[i] > 0.5) next = i;
    const p = prev[i];
    let src = -1;
    if (p >= 0 && next >= 0) src = i - p <= next - i ? p : next;
    else src = p >= 0 ? p : next;
    out[i] = src >= 0 ? Math.exp(logF0[src]) : DEFAULT_F0;
  }
  return out;
}

/**
 * The pulse phase one frame adds, in Hz x samples (multiply by 2 pi / 16000 for radians): the sum over its HOP
 * samples of the F0, linear from `a` (this frame's centre) to `b` (the next one's).
 */
export function framePhaseSum(a: number, b: number): number {
  return HOP * a + ((b - a) * (HOP - 1)) / 2;
}

/**
 * Pulse phase accumulated over samples [0, frame * HOP) for per-frame F0 `f0Hz` (linear between frame
 * centres): the `phase0` of a chunk that starts at that frame. Reduced mod 2 pi. `from` continues an earlier
 * result (its frame and phase), so successive chunks of a long input cost only their own frames.
 */
export function pulsePhaseAt(f0Hz: ArrayLike<number>, frame: number, from: { frame: number; phase: number } = { frame: 0, phase: 0 }): number {
  let s = 0;
  for (let t = from.frame; t < frame; t++) s += framePhaseSum(f0Hz[t], t + 1 < f0Hz.length ? f0Hz[t + 1] : f0Hz[t]);
  return (from.phase + (2 * Math.PI * s) / SR) % (2 * Math.PI);
}

/** The Python twin's default_aperiodicity: band-major [80][frames], 0.01 at the lowest band rising to 0.61 at 8 kHz. */
export function defaultAperiodicity(frames: number): Float32Array {
  const out = new Float32Array(80 * frames);
  for (let b = 0; b < 80; b++) out.fill(0.01 + 0.6 * (b / 79) ** 2, b * frames, (b + 1) * frames);
  return out;
}

/** Unit-variance white noise keyed by the absolute sample index (lowbias32 hash; the Python twin's). */
export function positionNoise(start: number, out: Float64Array, seed = NOISE_SEED): Float64Array {
  const base = Math.imul(seed, 0x9e3779b9) >>> 0;
  const scale = Math.sqrt(12) / 4294967296;
  for (let i = 0; i < out.length; i++) {
    let x = (start + i + base) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d) >>> 0;
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    out[i] = (x + 0.5) * scale - Math.sqrt(12) / 2;
  }
  return out;
}

/**
 * Band-limited pulse train of unit power (sum of cos(k phi), k f0 < HARMONIC_CEIL) into `out`: the Dirichlet
 * kernel sin((k + 1/2) phi) / (2 sin(phi / 2)) - 1/2, scaled by sqrt(2 / k).
 * Two sines per sample were a sixth of the synthesis, so within a frame both sines come from phasors
 * (e^{i phi/2} and e^{i (k+1/2) phi}) advanced by rotations: the F0 is linear across a frame, so the per-sample
 * rotation itself turns by a constant step. Each frame re-anchors both phasors from the accumulated phase
 * (as are samples where the harmonic count k changes), so rounding never builds up over more than HOP samples.
 */
function pulseTrain(f0Hz: ArrayLike<number>, phase0: number, out: Float64Array): void {
  const t = f0Hz.length;
  const n = out.length;
  let phi = phase0;
  const twoPi = 2 * Math.PI;
  const w = twoPi / SR;
  for (let s = 0, k0 = 0; s < n; s += HOP, k0++) {
    // this frame's F0 ramp: f(i) = fa + slope (i - s); the phase step w f(i) then grows by w slope per sample
    const last = k0 + 1 >= t;
    const fa = last ? f0Hz[Math.min(k0, t - 1)] : f0Hz[k0];
    const slope = last ? 0 : (f0Hz[k0 + 1] - f0Hz[k0]) / HOP;
    const e = Math.min(n, s + HOP);
    let k = -1;
    // e^{i phi/2} (hr, hi) and its per-sample rotation (rr, ri), turned by (dr, di) each sample
    let hr = 0, hi = 0, rr = 0, ri = 0;
    const dr = Math.cos((w * slope) / 2), di = Math.sin((w * slope) / 2);
    // e^{i (k+1/2) phi} (nr, ni), its rotation (qr, qi) and that rotation's turn (er, ei)
    let nr = 0, ni = 0, qr = 0, qi = 0, er = 1, ei = 0;
    for (let i = s; i < e; i++) {
      const f = fa + slope * (i - s);
      const step = w * f;
      phi += step;
      if (phi >= twoPi) phi -= twoPi * Math.floor(phi / twoPi);
      const kf = Math.max(1, Math.floor(HARMONIC_CEIL / Math.max(f, 1)));
      if (i === s) {
        // e^{i phi/2} itself is anchored below (k changes from -1 at a frame's first sample)
        const next = (w * (f + slope)) / 2; // the rotation to the next sample
        rr = Math.cos(next); ri = Math.sin(next);
      } else {
        const h2r = hr * rr - hi * ri;
        hi = hr * ri + hi * rr;
        hr = h2r;
        const r2r = rr * dr - ri * di;
        ri = rr * di + ri * dr;
        rr = r2r;
      }
      if (kf !== k) {
        // (re-)anchor the numerator at this sample, and the denominator with it: after a wrap of phi within
        // the frame the rotated e^{i phi/2} is the negative of the wrapped phase's, and the ratio needs both alike
        k = kf;
        const m = k + 0.5;
        hr = Math.cos(phi / 2); hi = Math.sin(phi / 2);
        nr = Math.cos(m * phi); ni = Math.sin(m * phi);
        qr = Math.cos(m * w * (f + slope)); qi = Math.sin(m * w * (f + slope));
        er = Math.cos(m * w * slope); ei = Math.sin(m * w * slope);
      } else {
        const n2r = nr * qr - ni * qi;
        ni = nr * qi + ni * qr;
        nr = n2r;
        const q2r = qr * er - qi * ei;
        qi = qr * ei + qi * er;
        qr = q2r;
      }
      const v = Math.abs(hi) > 1e-6 ? ni / (2 * hi) - 0.5 : k;
      out[i] = v * Math.sqrt(2 / k);
    }
  }
}

/**
 * The pulse phase `pulseTrain` holds after its first `samples` samples (a multiple of HOP) when it starts at
 * `phase0`: the same per-sample recursion without the pulses, so a piece of one synthesis that starts there
 * (source-filter-range.ts) continues the whole run's phase bit for bit (`pulsePhaseAt` sums frame by frame, equal
 * only up to rounding). Keep it in step with pulseTrain: the range tests compare the joined pieces exactly.
 */
export function pulsePhaseAfter(f0Hz: ArrayLike<number>, phase0: number, samples: number): number {
  const t = f0Hz.length;
  let phi = phase0;
  const twoPi = 2 * Math.PI;
  const w = twoPi / SR;
  for (let s = 0, k0 = 0; s < samples; s += HOP, k0++) {
    const last = k0 + 1 >= t;
    const fa = last ? f0Hz[Math.min(k0, t - 1)] : f0Hz[k0];
    const slope = last ? 0 : (f0Hz[k0 + 1] - f0Hz[k0]) / HOP;
    const e = Math.min(samples, s + HOP);
    for (let i = s; i < e; i++) {
      const f = fa + slope * (i - s);
      const step = w * f;
      phi += step;
      if (phi >= twoPi) phi -= twoPi * Math.floor(phi / twoPi);
    }
  }
  return phi;
}

/**
 * The mel filterbank by bin, in Float64 (the same values as its float32 weights): every bin lies in at
 * most two bands, A (the lower) and B; runs of bins with the same (A, B) (-1: none) cover binRun[r] ..
 * binRun[r + 1] - 1 with weights wA[k], wB[k].
 */
interface MelBins {
  binRun: Int32Array;
  runA: Int32Array;
  runB: Int32Array;
  wA: Float64Array;
  wB: Float64Array;
}

let melBinsCache: MelBins | null = null;

/** The bin-major plan of the filterbank (built once). */
function melBins(fb: MelFilterbank): MelBins {
  if (melBinsCache) return melBinsCache;
  const { nMels, bins, weights } = fb;
  const wA = new Float64Array(bins);
  const wB = new Float64Array(bins);
  const bandA = new Int32Array(bins).fill(-1);
  const bandB = new Int32Array(bins).fill(-1);
  for (let k = 0; k < bins; k++) {
    for (let b = 0; b < nMels; b++) {
      const w = weights[b * bins + k];
      // zero weights add nothing to a band sum (0 * |X| = 0)
      if (w === 0) continue;
      if (bandA[k] < 0) {
        bandA[k] = b;
        wA[k] = w;
      } else if (bandB[k] < 0) {
        bandB[k] = b;
        wB[k] = w;
      } else {
        throw new Error('a bin in more than two mel bands');
      }
    }
  }
  const starts: number[] = [];
  for (let k = 0; k < bins; k++) if (k === 0 || bandA[k] !== bandA[k - 1] || bandB[k] !== bandB[k - 1]) starts.push(k);
  melBinsCache = {
    binRun: Int32Array.from([...starts, bins]),
    runA: Int32Array.from(starts, (k) => bandA[k]),
    runB: Int32Array.from(starts, (k) => bandB[k]),
    wA,
    wB,
  };
  return melBinsCache;
}

/**
 * Working state of one synthesis: the tables and the per-frame buffers. The per-frame steps are
 * module-level functions taking this object (closures capturing a dozen arrays made every access a
 * context load, and they dominated the profile).
 */
interface Synth {
  frames: number;
  nMels: number;
  bins: number;
  kernels: Kernels;
  mel: MelBins;
  plan: BandPlan;
  /** The detail blend d, frame-major [frames][nMels] (read frame by frame: contiguous). */
  det: Float64Array;
  /** sTarget^(1 - d) target^d (the smoothed and the exact target envelope blended), frame-major [frames][nMels]. */
  envGain: Float64Array;
  /** The frame's spectrum. */
  re: Float64Array;
  im: Float64Array;
  band: Float64Array;
  sBand: Float64Array;
  gain: Float64Array;
  /** Per-bin output of a step, float32-rounded (the spectra were held in Float32Arrays between steps). */
  outRe: Float64Array;
  outIm: Float64Array;
  /** A per-bin value (envelope, aperiodicity, gain) interpolated from the bands. */
  perBin: Float64Array;
}

/** Per-bin interpolation of per-band values: out[k] = wLo[k] v[lo[k]] + wHi[k] v[hi[k]], run by run (the two band values loaded once per run). */
function bandsToBins(p: BandPlan, v: Float64Array, out: Float64Array): void {
  const { runStart, runLo, runHi, wLo, wHi } = p;
  for (let r = 0, nr = runLo.length; r < nr; r++) {
    const vl = v[runLo[r]];
    const vh = v[runHi[r]];
    for (let k = runStart[r], e = runStart[r + 1]; k < e; k++) out[k] = wLo[k] * vl + wHi[k] * vh;
  }
}

/**
 * out = fround(spectrum * g) per bin, g interpolated from the per-band `v` as in `bandsToBins` (or its
 * reciprocal with `divide`: one division per bin, not two), in one sweep over the runs.
 */
function scaleBins(p: BandPlan, v: Float64Array, divide: boolean, re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
  const { runStart, runLo, runHi, wLo, wHi } = p;
  for (let r = 0, nr = runLo.length; r < nr; r++) {
    const vl = v[runLo[r]];
    const vh = v[runHi[r]];
    for (let k = runStart[r], e = runStart[r + 1]; k < e; k++) {
      const x = wLo[k] * vl + wHi[k] * vh;
      const g = divide ? 1 / x : x;
      outRe[k] = Math.fround(re[k] * g);
      outIm[k] = Math.fround(im[k] * g);
    }
  }
}

/**
 * Band mean of |spectrum| (the mel matrix applied to the magnitude) of the frame in (s.re, s.im) into
 * s.band, bin by bin: each band still sums its bins in ascending order (as the row-by-row product did),
 * with the two open bands' sums held in locals through a run.
 */
function bandMean(s: Synth): void {
  const { re, im, band } = s;
  const { binRun, runA, runB, wA, wB } = s.mel;
  band.fill(0);
  for (let r = 0, nr = runA.length; r < nr; r++) {
    const a = runA[r];
    const b = runB[r];
    const e = binRun[r + 1];
    if (b >= 0) {
      let sa = band[a];
      let sb = band[b];
      for (let k = binRun[r]; k < e; k++) {
        const x = re[k];
        const y = im[k];
        const m = Math.sqrt(x * x + y * y);
        sa += wA[k] * m;
        sb += wB[k] * m;
      }
      band[a] = sa;
      band[b] = sb;
    } else if (a >= 0) {
      let sa = band[a];
      for (let k = binRun[r]; k < e; k++) {
        const x = re[k];
        const y = im[k];
        sa += wA[k] * Math.sqrt(x * x + y * y);
      }
      band[a] = sa;
    }
  }
}

/** Divides frame t's spectrum (s.re, s.im) by its smoothed envelope into (s.outRe, s.outIm): a flat excitation. */
function flatten(s: Synth, t: number): void {
  const { re, im, band, sBand, outRe, outIm, nMels } = s;
  bandMean(s);
  smoothBands(s.kernels, t, band, sBand);
  for (let b = 0; b < nMels; b++) sBand[b] = Math.max(sBand[b], EPS);
  scaleBins(s.plan, sBand, true, re, im, outRe, outIm);
}

/**
 * Mixes the flat harmonic (hRe, hIm) and noise (s.outRe, s.outIm) excitations of frame t into (s.re, s.im):
 * sqrt(1 - a) and sqrt(a) with the aperiodicity a interpolated to each bin (1 in unvoiced frames unless the synthesis has `freeVoicing`).
 */
function mix(s: Synth, t: number, hRe: Float64Array, hIm: Float64Array, aperiodicity: Float32Array, isVoiced: boolean, apBand: Float64Array): void {
  const { re, im, outRe, outIm, nMels, bins, frames, perBin } = s;
  if (isVoiced) {
    for (let b = 0; b < nMels; b++) apBand[b] = aperiodicity[b * frames + t];
    bandsToBins(s.plan, apBand, perBin);
  }
  for (let k = 0; k < bins; k++) {
    const a = isVoiced ? Math.min(1, Math.max(0, perBin[k])) : 1;
    const gh = Math.sqrt(1 - a);
    const gn = Math.sqrt(a);
    re[k] = Math.fround(gh * hRe[k] + gn * outRe[k]);
    im[k] = Math.fround(gh * hIm[k] + gn * outIm[k]);
  }
}

/** Shapes frame t, held in (s.re, s.im), to the target envelope, into (s.outRe, s.outIm). */
function shape(s: Synth, t: number): void {
  const { re, im, band, sBand, gain, outRe, outIm, nMels, det, envGain } = s;
  bandMean(s);
  for (let b = 0; b < nMels; b++) band[b] = Math.max(band[b], EPS);
  smoothBands(s.kernels, t, band, sBand);
  for (let b = 0, i = t * nMels; b < nMels; b++, i++) {
    // the log-domain blend of the smoothed-envelope ratio and the band-by-band ratio,
    // exp((1 - d) ln(sTarget / sBand) + d ln(target / band)) = envGain / sBand * (band / sBand)^-d:
    // one log and one exp (at d = 1/2, the default, one sqrt)
    const d = det[i];
    const sb = Math.max(sBand[b], EPS);
    gain[b] = d === 0.5 ? envGain[i] / Math.sqrt(sb * band[b]) : (envGain[i] / sb) * Math.exp(-d * Math.log(band[b] / sb));
  }
  scaleBins(s.plan, gain, false, re, im, outRe, outIm);
}

/**
 * Synthesizes audio from a log-mel, a pitch track and an aperiodicity.
 * @param logMel band-major [80][frames] natural-log mel (DESIGN §3)
 * @param f0Hz per-frame F0 in Hz, unvoiced frames held (see `heldPitchHz`)
 * @param voiced per-frame voiced flag (1/0)
 * @param aperiodicity band-major [80][frames] in [0, 1] (forced to 1 in unvoiced frames)
 * @returns audio of `opts.length` or (frames - 1) * hop samples
 */
export function sourceFilter(logMel: Float32Array, frames: number, f0Hz: ArrayLike<number>, voiced: ArrayLike<number>,
  aperiodicity: Float32Array, opts: SourceFilterOptions = {}): Float32Array {
  const bp = bandPlan();
  const { fb } = bp;
  const { nMels, bins, centresHz } = fb;
  if (logMel.length !== nMels * frames || aperiodicity.length !== nMels * frames) throw new RangeError('log-mel or aperiodicity size does not match frames');
  if (f0Hz.length !== frames || voiced.length !== frames) throw new RangeError('pitch track length does not match frames');
  const length = opts.length ?? (frames - 1) * HOP;
  if (frameCount(length, HOP) !== frames) throw new RangeError(`length ${length} does not give ${frames} frames`);
  const passes = opts.passes ?? DEFAULT_PASSES;
  const detail = opts.detail;
  const freeVoicing = opts.freeVoicing ?? false;
  if (detail && detail.length !== nMels * frames) throw new RangeError('detail size does not match frames');
  const fft = getRealFFT(N_FFT);
  const win = hannPeriodic(N_FFT);
  const pad = N_FFT / 2;
  const kernels = envelopeKernels(f0Hz, frames, centresHz);

  // per frame and band, fixed across passes: the detail blend and the blended target envelope
  // work space from the pools (scratch.ts: this function is synchronous and returns a fresh array)
  const det = scratch64('sf.det', nMels * frames);
  const envGain = scratch64('sf.envGain', nMels * frames);
  const target = scratch64('sf.target', nMels);
  const sTarget = scratch64('sf.sTarget', nMels);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < nMels; b++) target[b] = Math.exp(logMel[b * frames + t]);
    smoothBands(kernels, t, target, sTarget);
    for (let b = 0; b < nMels; b++) {
      const i = b * frames + t;
      const d = detail ? Math.min(1, Math.max(0, detail[i])) : DEFAULT_DETAIL;
      const j = t * nMels + b;
      det[j] = d;
      envGain[j] = d === 0.5 ? Math.sqrt(sTarget[b] * target[b]) : Math.exp((1 - d) * Math.log(sTarget[b]) + d * logMel[i]);
    }
  }
  const s: Synth = {
    frames, nMels, bins, kernels, mel: melBins(fb), plan: bp, det, envGain,
    re: scratch64('sf.re', bins), im: scratch64('sf.im', bins),
    band: scratch64('sf.band', nMels), sBand: scratch64('sf.sBand', nMels), gain: scratch64('sf.gain', nMels),
    outRe: scratch64('sf.outRe', bins), outIm: scratch64('sf.outIm', bins), perBin: scratch64('sf.perBin', bins),
  };

  // excitations: the harmonic one in `padded` (later the output), the noise one in `noise`
  const padded = scratch64('sf.padded', length + N_FFT);
  const noise = scratch64('sf.noise', length + N_FFT);
  const body = padded.subarray(pad, pad + length);
  pulseTrain(Float64Array.from(f0Hz), opts.phase0 ?? 0, body);
  positionNoise(opts.startSample ?? 0, noise.subarray(pad, pad + length), opts.seed ?? NOISE_SEED);
  padEdges(padded, length, pad);
  padEdges(noise, length, pad);
  const hRe = scratch64('sf.hRe', bins);
  const hIm = scratch64('sf.hIm', bins);
  const apBand = scratch64('sf.apBand', nMels);

  // Each pass analyses `padded` frame by frame, shapes the frame and overlap-adds its inverse into `acc`
  // at once (frames are independent until the overlap-add, which runs in frame order as before), so no
  // spectrogram is held; `padded` takes the result only after the pass.
  const inv = inverseWindowSum(frames, N_FFT, HOP);
  const acc = scratch64('sf.acc', inv.length, true);
  for (let pass = 0; pass <= passes; pass++) {
    if (pass > 0) padEdges(padded, length, pad);
    for (let t = 0; t < frames; t++) {
      if (pass === 0) {
        fft.forwardWindowed(padded, t * HOP, win, s.re, s.im);
        flatten(s, t);
        hRe.set(s.outRe);
        hIm.set(s.outIm);
        fft.forwardWindowed(noise, t * HOP, win, s.re, s.im);
        flatten(s, t);
        mix(s, t, hRe, hIm, aperiodicity, freeVoicing || voiced[t] > 0.5, apBand);
      } else {
        fft.forwardWindowed(padded, t * HOP, win, s.re, s.im);
      }
      shape(s, t);
      fft.inverseOverlapAdd(s.outRe, s.outIm, 0, acc, t * HOP, win);
    }
    // the pass's result, and `acc` cleared for the next one in the same sweep
    for (let i = 0; i < pad; i++) acc[i] = 0;
    for (let i = pad; i < pad + length; i++) {
      padded[i] = acc[i] * inv[i];
      acc[i] = 0;
    }
    acc.fill(0, pad + length);
  }
  return Float32Array.from(body);
}
