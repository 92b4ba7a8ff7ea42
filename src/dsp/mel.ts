// Log-mel features per the contract (DESIGN §3): 80 Slaney mel bands 0-8000 Hz with Slaney
// area normalization (librosa.filters.mel defaults, float32 weights) applied to the linear
// STFT magnitude, then ln(max(mel, 1e-5)). Why it exists: the models see exactly what
// models/train/vc_train/features.py computed in training; parity.test.ts checks it.
// The filterbank is stored sparse (each band's nonzero bin range) for speed.

import { getRealFFT } from './fft';
import { frameCount, hannPeriodic, reflectPad } from './stft';

/** Log-mel options; defaults are the feature contract. */
export interface MelOptions {
  /** Sample rate of the input, Hz. Default 16000. */
  sampleRate?: number;
  /** FFT size / window length. Default 1024. */
  nFft?: number;
  /** Hop in samples. Default 256. */
  hop?: number;
  /** Number of mel bands. Default 80. */
  nMels?: number;
  /** Lowest band edge, Hz. Default 0. */
  fMin?: number;
  /** Highest band edge, Hz. Default sampleRate / 2 (8000). */
  fMax?: number;
  /** Floor before the natural log. Default 1e-5. */
  logFloor?: number;
}

/** A mel filterbank: dense weights [nMels][bins] (float32 values) plus each band's nonzero range. */
export interface MelFilterbank {
  nMels: number;
  bins: number;
  /** Row-major [nMels][bins]; values are float32 (as librosa's). */
  weights: Float32Array;
  /** First nonzero bin of each band. */
  start: Int32Array;
  /** One past the last nonzero bin of each band. */
  end: Int32Array;
  /** Centre frequency of each band (the peak of its triangle), Hz. */
  centresHz: Float64Array;
}

/** Log-mel result: band-major [nMels][frames], the layout of an ONNX [1, nMels, T] tensor. */
export interface LogMel {
  data: Float32Array;
  frames: number;
  nMels: number;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** Hz -> mel, Slaney scale (linear below 1 kHz, logarithmic above). */
export function hzToMel(f: number): number {
  return f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOGSTEP : f / F_SP;
}

/** mel -> Hz, inverse of hzToMel. */
export function melToHz(m: number): number {
  return m >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (m - MIN_LOG_MEL)) : F_SP * m;
}

function linspace(start: number, stop: number, num: number): Float64Array {
  const y = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) y[i] = i * step + start;
  y[num - 1] = stop;
  return y;
}

function resolve(opts: MelOptions): Required<MelOptions> {
  const sampleRate = opts.sampleRate ?? 16000;
  return {
    sampleRate,
    nFft: opts.nFft ?? 1024,
    hop: opts.hop ?? 256,
    nMels: opts.nMels ?? 80,
    fMin: opts.fMin ?? 0,
    fMax: opts.fMax ?? sampleRate / 2,
    logFloor: opts.logFloor ?? 1e-5,
  };
}

const fbCache = new Map<string, MelFilterbank>();

/**
 * Slaney mel filterbank with Slaney area normalization, identical to
 * vc_train.features.mel_filterbank() (and librosa.filters.mel defaults). Cached per options.
 */
export function melFilterbank(opts: MelOptions = {}): MelFilterbank {
  const o = resolve(opts);
  const key = `${o.sampleRate}|${o.nFft}|${o.nMels}|${o.fMin}|${o.fMax}`;
  const hit = fbCache.get(key);
  if (hit) return hit;
  const bins = 1 + Math.floor(o.nFft / 2);
  const nMels = o.nMels;
  const fftFreqs = linspace(0, o.sampleRate / 2, bins);
  const melPts = linspace(hzToMel(o.fMin), hzToMel(o.fMax), nMels + 2);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) melF[i] = melToHz(melPts[i]);
  const weights = new Float32Array(nMels * bins);
  const start = new Int32Array(nMels);
  const end = new Int32Array(nMels);
  for (let i = 0; i < nMels; i++) {
    const fd0 = melF[i + 1] - melF[i];
    const fd1 = melF[i + 2] - melF[i + 1];
    const enorm = 2 / (melF[i + 2] - melF[i]);
    let s = -1;
    let e = 0;
    for (let k = 0; k < bins; k++) {
      const lower = -(melF[i] - fftFreqs[k]) / fd0;
      const upper = (melF[i + 2] - fftFreqs[k]) / fd1;
      const w = Math.max(0, Math.min(lower, upper)) * enorm;
      weights[i * bins + k] = w;
      if (weights[i * bins + k] !== 0) {
        if (s < 0) s = k;
        e = k + 1;
      }
    }
    start[i] = s < 0 ? 0 : s;
    end[i] = s < 0 ? 0 : e;
  }
  const fb = { nMels, bins, weights, start, end, centresHz: melF.slice(1, nMels + 1) };
  fbCache.set(key, fb);
  return fb;
}

/**
 * Apply a mel filterbank to one magnitude frame and write ln(max(mel, floor)) into
 * `out[band * stride + offset]`. Allocation-free.
 */
export function melFrame(fb: MelFilterbank, mag: Float64Array, magOffset: number, out: Float32Array, stride: number, offset: number, logFloor = 1e-5): void {
  const { weights, start, end, bins, nMels } = fb;
  for (let b = 0; b < nMels; b++) {
    let acc = 0;
    const row = b * bins;
    for (let k = start[b], e = end[b]; k < e; k++) acc += weights[row + k] * mag[magOffset + k];
    out[b * stride + offset] = Math.log(acc > logFloor ? acc : logFloor);
  }
}

/** Reusable log-mel extractor: keeps its padded-signal and spectrum buffers between calls. */
export class LogMelExtractor {
  readonly options: Required<MelOptions>;
  readonly filterbank: MelFilterbank;
  private padded = new Float64Array(0);
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly mag: Float64Array;

  /** @param opts mel options; defaults are the DESIGN §3 contract */
  constructor(opts: MelOptions = {}) {
    this.options = resolve(opts);
    this.filterbank = melFilterbank(this.options);
    const bins = this.filterbank.bins;
    this.re = new Float64Array(bins);
    this.im = new Float64Array(bins);
    this.mag = new Float64Array(bins);
  }

  /** Number of frames for `nSamples` samples. */
  frames(nSamples: number): number {
    return frameCount(nSamples, this.options.hop);
  }

  /**
   * Log-mel of mono audio at the configured rate.
   * @param out optional destination of length nMels * frames (band-major)
   */
  compute(audio: ArrayLike<number>, out?: Float32Array): LogMel {
    const { nFft, hop, logFloor, nMels } = this.options;
    const fft = getRealFFT(nFft);
    const frames = frameCount(audio.length, hop);
    const need = audio.length + nFft;
    if (this.padded.length < need) this.padded = new Float64Array(need);
    const padded = reflectPad(audio, nFft / 2, this.padded.length === need ? this.padded : this.padded.subarray(0, need));
    const win = hannPeriodic(nFft);
    const data = out && out.length >= nMels * frames ? out : new Float32Array(nMels * frames);
    const { re, im, mag } = this;
    const bins = fft.bins;
    for (let t = 0; t < frames; t++) {
      fft.forwardWindowed(padded, t * hop, win, re, im);
      for (let k = 0; k < bins; k++) mag[k] = Math.sqrt(re[k] * re[k] + im[k] * im[k]);
      melFrame(this.filterbank, mag, 0, data, frames, t, logFloor);
    }
    return { data, frames, nMels };
  }
}

let defaultExtractor: LogMelExtractor | null = null;

/**
 * Log-mel per DESIGN §3 of 16 kHz mono float audio.
 * @returns `data` band-major [80][T] (ONNX [1, 80, T] layout), `frames` T = 1 + floor(len / 256)
 */
export function logMel(audio: ArrayLike<number>, opts?: MelOptions): LogMel {
  if (!opts || Object.keys(opts).length === 0) {
    defaultExtractor ??= new LogMelExtractor();
    return defaultExtractor.compute(audio);
  }
  return new LogMelExtractor(opts).compute(audio);
}
