// Level measurements: peak, RMS, clipping ratio and an ITU-R BS.1770-style integrated loudness
// (K-weighting, 400 ms blocks with 75 % overlap, absolute -70 LUFS and relative -10 LU gates),
// plus loudness normalization that never clips. Why it exists: analyze() reports level and
// clipping (DESIGN §5), and converted clips are normalized before playback and export.

import type { PcmAudio } from './wav-encode';

/** Largest absolute sample over all channels (linear, 1 = full scale). */
export function peak(audio: Pick<PcmAudio, 'channels'>): number {
  let p = 0;
  for (const ch of audio.channels) {
    for (let i = 0; i < ch.length; i++) {
      const a = Math.abs(ch[i]);
      if (a > p) p = a;
    }
  }
  return p;
}

/** Root-mean-square over all channels and samples (linear). 0 for empty audio. */
export function rms(audio: Pick<PcmAudio, 'channels'>): number {
  let s = 0;
  let n = 0;
  for (const ch of audio.channels) {
    for (let i = 0; i < ch.length; i++) s += ch[i] * ch[i];
    n += ch.length;
  }
  return n ? Math.sqrt(s / n) : 0;
}

/** Linear amplitude to dBFS (-Infinity for 0). */
export function toDb(linear: number): number {
  return linear > 0 ? 20 * Math.log10(linear) : -Infinity;
}

/**
 * Fraction of samples at or above `threshold` in absolute value (default 0.999), i.e. samples
 * that hit (or nearly hit) full scale.
 */
export function clippingRatio(audio: Pick<PcmAudio, 'channels'>, threshold = 0.999): number {
  let c = 0;
  let n = 0;
  for (const ch of audio.channels) {
    for (let i = 0; i < ch.length; i++) if (Math.abs(ch[i]) >= threshold) c++;
    n += ch.length;
  }
  return n ? c / n : 0;
}

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** The two K-weighting biquads (high shelf, then high pass) for `fs` (BS.1770 analog prototypes, as libebur128). */
export function kWeightingFilters(fs: number): [Biquad, Biquad] {
  // stage 1: high shelf
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / fs);
  const Vh = 10 ** (G / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  // stage 2: high pass
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / fs);
  a0 = 1 + K / Q + K * K;
  const hp: Biquad = {
    b0: 1 / a0,
    b1: -2 / a0,
    b2: 1 / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  // normalise the high pass numerator as in BS.1770 (b = [1, -2, 1])
  hp.b0 = 1;
  hp.b1 = -2;
  hp.b2 = 1;
  return [shelf, hp];
}

function filterInto(x: Float32Array, f: Biquad, out: Float64Array, fromOut: boolean): void {
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  const { b0, b1, b2, a1, a2 } = f;
  for (let i = 0; i < x.length; i++) {
    const xi = fromOut ? out[i] : x[i];
    const y = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = xi;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
}

/** Loudness options. */
export interface LoudnessOptions {
  /** Per-channel weights (BS.1770: 1 for L/R/C, 1.41 for surrounds, 0 for LFE). Default all 1. */
  channelWeights?: number[];
}

/**
 * Integrated loudness in LUFS (BS.1770-4 gating). Clips shorter than one 400 ms block are
 * measured as a single block. -Infinity for silence.
 */
export function integratedLoudness(audio: PcmAudio, opts: LoudnessOptions = {}): number {
  const fs = audio.sampleRate;
  const n = audio.channels.length ? audio.channels[0].length : 0;
  if (n === 0) return -Infinity;
  const [shelf, hp] = kWeightingFilters(fs);
  const block = Math.min(n, Math.round(0.4 * fs));
  const step = Math.max(1, Math.round(0.1 * fs));
  const nBlocks = n <= block ? 1 : 1 + Math.floor((n - block) / step);
  const z = new Float64Array(nBlocks);
  const y = new Float64Array(n);
  const cs = new Float64Array(n + 1);
  audio.channels.forEach((ch, c) => {
    const g = opts.channelWeights?.[c] ?? 1;
    if (g === 0) return;
    filterInto(ch, shelf, y, false);
    filterInto(ch, hp, y, true);
    cs[0] = 0;
    for (let i = 0; i < n; i++) cs[i + 1] = cs[i] + y[i] * y[i];
    for (let j = 0; j < nBlocks; j++) {
      const s = j * step;
      z[j] += (g * (cs[s + block] - cs[s])) / block;
    }
  });
  const lk = (v: number): number => -0.691 + 10 * Math.log10(v);
  let sum = 0;
  let cnt = 0;
  for (let j = 0; j < nBlocks; j++) {
    if (lk(z[j]) > -70) {
      sum += z[j];
      cnt++;
    }
  }
  if (cnt === 0) return -Infinity;
  const relGate = lk(sum / cnt) - 10;
  sum = 0;
  cnt = 0;
  for (let j = 0; j < nBlocks; j++) {
    const l = lk(z[j]);
    if (l > -70 && l > relGate) {
      sum += z[j];
      cnt++;
    }
  }
  return cnt ? lk(sum / cnt) : -Infinity;
}

/** Normalization options. */
export interface NormalizeOptions extends LoudnessOptions {
  /** Target integrated loudness, LUFS. Default -20 (speech). */
  targetLufs?: number;
  /** Highest sample peak allowed after the gain, dBFS. Default -1. */
  peakCeilingDb?: number;
}

/** Result of normalizeLoudness. */
export interface NormalizeResult {
  audio: PcmAudio;
  /** Gain applied, dB. */
  gainDb: number;
  /** Loudness before, LUFS. */
  loudnessBefore: number;
  /** True when the peak ceiling, not the target, set the gain. */
  peakLimited: boolean;
}

/**
 * Scale audio toward a target loudness without clipping: the gain is the smaller of
 * (target - measured loudness) and (ceiling - peak). Silence is returned unchanged (gain 0).
 */
export function normalizeLoudness(audio: PcmAudio, opts: NormalizeOptions = {}): NormalizeResult {
  const target = opts.targetLufs ?? -20;
  const ceiling = opts.peakCeilingDb ?? -1;
  const before = integratedLoudness(audio, opts);
  const pk = peak(audio);
  if (!Number.isFinite(before) || pk === 0) {
    return { audio: { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => Float32Array.from(c)) }, gainDb: 0, loudnessBefore: before, peakLimited: false };
  }
  let gainDb = target - before;
  const maxGain = ceiling - toDb(pk);
  let limited = false;
  if (gainDb > maxGain) {
    gainDb = maxGain;
    limited = true;
  }
  const g = 10 ** (gainDb / 20);
  const channels = audio.channels.map((c) => {
    const o = new Float32Array(c.length);
    for (let i = 0; i < c.length; i++) o[i] = c[i] * g;
    return o;
  });
  return { audio: { sampleRate: audio.sampleRate, channels }, gainDb, loudnessBefore: before, peakLimited: limited };
}
