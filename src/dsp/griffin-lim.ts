// Griffin-Lim vocoder (the "fast Griffin-Lim" with momentum of Perraudin, Balazs & Sondergaard
// 2013) from log-mel through the same mel matrix as the features (DESIGN §3, §4).
// Why it exists: until a neural vocoder.onnx exists, this turns the decoder's log-mel into
// audio. The mel -> linear step is the non-negative (clamped) pseudo-inverse of the
// filterbank, refined by a few multiplicative non-negative least-squares updates.
// The iteration loop is fused (iSTFT -> re-pad -> STFT per iteration) and reuses buffers.

import { getRealFFT } from './fft';
import { melFilterbank, type MelFilterbank, type MelOptions } from './mel';
import { frameCount, hannPeriodic, inverseWindowSum, padEdges, reflectPad } from './stft';
import { seededRandom } from './random';

/** Griffin-Lim options (mel options apply to the mel inversion and framing). */
export interface GriffinLimOptions extends MelOptions {
  /** Phase-retrieval iterations. Default 32. */
  iterations?: number;
  /** Momentum of fast Griffin-Lim (0 = classic Griffin-Lim). Default 0.99. */
  momentum?: number;
  /** Initial phase: 'random' (seeded, deterministic) or 'zeros'. Default 'random'. */
  initPhase?: 'random' | 'zeros';
  /** Seed of the random initial phase. Default 1. */
  seed?: number;
  /** Multiplicative NNLS refinement steps of the mel inversion (0 = clamped pinv only). Default 4. */
  nnlsIterations?: number;
  /** Output length in samples. Default (frames - 1) * hop. */
  length?: number;
}


interface PinvPlan {
  fb: MelFilterbank;
  chol: Float64Array; // lower-triangular Cholesky factor of F F^T + lambda I, [nMels][nMels]
  bw: number; // lower bandwidth of F F^T (and of its factor): adjacent mel bands overlap only
}

const pinvCache = new WeakMap<MelFilterbank, PinvPlan>();

function pinvPlan(fb: MelFilterbank): PinvPlan {
  const hit = pinvCache.get(fb);
  if (hit) return hit;
  const { nMels: n, bins, weights } = fb;
  const g = new Float64Array(n * n);
  let trace = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += weights[i * bins + k] * weights[j * bins + k];
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
    trace += g[i * n + i];
  }
  const lambda = (1e-6 * trace) / n;
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
  let bw = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (g[i * n + j] !== 0) bw = Math.max(bw, i - j);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * n + j];
    }
  }
  const plan = { fb, chol: l, bw };
  pinvCache.set(fb, plan);
  return plan;
}

/**
 * Linear magnitude from log-mel: exp, then the clamped pseudo-inverse of the mel matrix,
 * then `nnlsIterations` multiplicative NNLS updates (s <- s * F^T m / F^T F s).
 * @param logMelData band-major [nMels][frames]
 * @returns frame-major magnitude [frames][nFft/2+1]
 */
export function melToLinear(logMelData: Float32Array, frames: number, opts: GriffinLimOptions = {}): Float64Array {
  const fb = melFilterbank(opts);
  const { nMels: n, bins, weights, start, end } = fb;
  if (logMelData.length !== n * frames) throw new RangeError(`log-mel has ${logMelData.length} values, expected ${n} x ${frames}`);
  const { chol, bw } = pinvPlan(fb);
  const nnls = opts.nnlsIterations ?? 4;
  const out = new Float64Array(frames * bins);
  const m = new Float64Array(n);
  const y = new Float64Array(n);
  const fm = new Float64Array(bins); // F^T m
  const fs = new Float64Array(n); // F s
  const den = new Float64Array(bins); // F^T F s
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < n; b++) m[b] = Math.exp(logMelData[b * frames + t]);
    // solve (L L^T) y = m
    // (banded: the factor of a banded SPD matrix keeps its bandwidth)
    for (let i = 0; i < n; i++) {
      let s = m[i];
      for (let k = Math.max(0, i - bw); k < i; k++) s -= chol[i * n + k] * y[k];
      y[i] = s / chol[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1, e = Math.min(n, i + bw + 1); k < e; k++) s -= chol[k * n + i] * y[k];
      y[i] = s / chol[i * n + i];
    }
    const o = t * bins;
    fm.fill(0);
    for (let b = 0; b < n; b++) {
      const row = b * bins;
      const yb = y[b];
      const mb = m[b];
      for (let k = start[b], e = end[b]; k < e; k++) {
        out[o + k] += weights[row + k] * yb;
        fm[k] += weights[row + k] * mb;
      }
    }
    // clamp; keep a small positive floor where the filterbank sees energy so NNLS can move it
    for (let k = 0; k < bins; k++) {
      const v = out[o + k];
      out[o + k] = v > 0 ? v : nnls > 0 && fm[k] > 0 ? 1e-3 * fm[k] : 0;
    }
    for (let it = 0; it < nnls; it++) {
      for (let b = 0; b < n; b++) {
        let s = 0;
        const row = b * bins;
        for (let k = start[b], e = end[b]; k < e; k++) s += weights[row + k] * out[o + k];
        fs[b] = s;
      }
      // F^T F s per bin (sparse rows), then the update s <- s * F^T m / F^T F s
      den.fill(0);
      for (let b = 0; b < n; b++) {
        const row = b * bins;
        const v = fs[b];
        for (let k = start[b], e = end[b]; k < e; k++) den[k] += weights[row + k] * v;
      }
      for (let k = 0; k < bins; k++) {
        const d = den[k];
        if (d > 1e-30) out[o + k] *= fm[k] / d;
      }
    }
  }
  return out;
}

/**
 * Fast Griffin-Lim from a linear magnitude spectrogram.
 * @param magnitude frame-major [frames][nFft/2+1]
 * @returns audio (length `opts.length` or (frames - 1) * hop)
 */
export function griffinLim(magnitude: Float64Array, frames: number, opts: GriffinLimOptions = {}): Float32Array {
  const nFft = opts.nFft ?? 1024;
  const hop = opts.hop ?? 256;
  const iterations = opts.iterations ?? 32;
  const momentum = opts.momentum ?? 0.99;
  const alpha = momentum / (1 + momentum);
  const fft = getRealFFT(nFft);
  const bins = fft.bins;
  if (magnitude.length !== frames * bins) throw new RangeError('magnitude size does not match frames x bins');
  const length = opts.length ?? (frames - 1) * hop;
  if (frameCount(length, hop) !== frames) throw new RangeError(`length ${length} does not give ${frames} frames at hop ${hop}`);
  const win = hannPeriodic(nFft);
  const inv = inverseWindowSum(frames, nFft, hop);
  const pad = nFft / 2;
  const acc = new Float64Array(inv.length);
  const padded = new Float64Array(length + nFft);
  const n = frames * bins;
  // state: X = magnitude * phase (the next synthesis input) and the previous projection
  // float32 state: half the memory (about 0.5 MB per second of audio in all) at no cost in speed
  const mag = Float32Array.from(magnitude);
  const xRe = new Float32Array(n);
  const xIm = new Float32Array(n);
  const prevRe = new Float32Array(n);
  const prevIm = new Float32Array(n);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);

  if ((opts.initPhase ?? 'random') === 'random') {
    // uniform phase quantized to 4096 steps, from a seeded PRNG through a table (cheap, deterministic)
    const rnd = seededRandom(opts.seed ?? 1);
    const tabC = new Float64Array(4096);
    const tabS = new Float64Array(4096);
    for (let i = 0; i < 4096; i++) {
      tabC[i] = Math.cos((2 * Math.PI * i) / 4096);
      tabS[i] = Math.sin((2 * Math.PI * i) / 4096);
    }
    for (let i = 0; i < n; i++) {
      const q = (rnd() * 4096) | 0;
      xRe[i] = mag[i] * tabC[q];
      xIm[i] = mag[i] * tabS[q];
    }
  } else {
    xRe.set(mag);
  }

  // synthesis: overlap-add of the inverse FFTs, window-sum normalization written straight into
  // the middle of `padded`, then the reflect padding of its edges (as stft() would pad)
  const synth = (): void => {
    acc.fill(0);
    for (let t = 0; t < frames; t++) fft.inverseOverlapAdd(xRe, xIm, t * bins, acc, t * hop, win);
    for (let i = pad; i < pad + length; i++) padded[i] = acc[i] * inv[i];
    padEdges(padded, length, pad);
  };

  for (let it = 0; it < iterations; it++) {
    synth();
    for (let t = 0; t < frames; t++) {
      fft.forwardWindowed(padded, t * hop, win, re, im);
      const o = t * bins;
      for (let k = 0; k < bins; k++) {
        const i = o + k;
        const rr = re[k], ri = im[k];
        const ar = rr - alpha * prevRe[i];
        const ai = ri - alpha * prevIm[i];
        prevRe[i] = rr;
        prevIm[i] = ri;
        const g = mag[i] / (Math.sqrt(ar * ar + ai * ai) + 1e-16);
        xRe[i] = ar * g;
        xIm[i] = ai * g;
      }
    }
  }
  synth();
  return Float32Array.from(padded.subarray(pad, pad + length));
}

/**
 * Vocode a log-mel (band-major [nMels][frames], as produced by logMel or the decoder) to audio.
 * @returns audio of `opts.length` or (frames - 1) * hop samples
 */
export function griffinLimFromLogMel(logMelData: Float32Array, frames: number, opts: GriffinLimOptions = {}): Float32Array {
  return griffinLim(melToLinear(logMelData, frames, opts), frames, opts);
}

/**
 * Spectral convergence || S - |STFT(x)| ||_F / || S ||_F of audio `x` against a target
 * frame-major magnitude S (same framing). 0 is a perfect match.
 */
export function spectralConvergence(target: Float64Array, audio: ArrayLike<number>, opts: { nFft?: number; hop?: number } = {}): number {
  const nFft = opts.nFft ?? 1024;
  const hop = opts.hop ?? 256;
  const fft = getRealFFT(nFft);
  const bins = fft.bins;
  const frames = frameCount(audio.length, hop);
  if (frames * bins !== target.length) throw new RangeError('target and audio framing differ');
  const padded = reflectPad(audio, nFft / 2);
  const win = hannPeriodic(nFft);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  let num = 0;
  let den = 0;
  for (let t = 0; t < frames; t++) {
    fft.forwardWindowed(padded, t * hop, win, re, im);
    for (let k = 0; k < bins; k++) {
      const s = target[t * bins + k];
      const d = s - Math.sqrt(re[k] * re[k] + im[k] * im[k]);
      num += d * d;
      den += s * s;
    }
  }
  return den > 0 ? Math.sqrt(num / den) : 0;
}
