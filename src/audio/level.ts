// Level measurements, the one definition (issue 15): peak, RMS, the clipping rule and an ITU-R
// BS.1770-style integrated loudness (K-weighting, 400 ms blocks with 75 % overlap, absolute -70 LUFS
// and relative -10 LU gates), plus loudness normalization that never clips. The quality gate
// (src/quality-gate/analyze.ts measureLevels) and the pipeline's loudness matching read these; nothing
// else computes levels.

import type { PcmAudio } from './wav-encode';

/**
 * The clipping rule, the one definition (issue 15): a sample is clipped when it is at full scale
 * (|x| >= CLIP.fullScale), or when it belongs to a run of CLIP.minRun or more identical samples at a
 * high level (|x| >= CLIP.runLevel): a waveform top flattened by a limiter or by integer clipping
 * below full scale.
 */
export const CLIP = { fullScale: 0.9999, runLevel: 0.5, minRun: 3 } as const;

/** One pass over the samples: everything peak, RMS and clipping need. */
export interface SampleStats {
  /** Largest absolute sample (linear, 1 = full scale). */
  peak: number;
  /** Sum of squares over all channels and samples. */
  sumSquares: number;
  /** Samples clipped by the CLIP rule. */
  clipped: number;
  /** Samples counted (all channels). */
  samples: number;
}

/** Peak, sum of squares and clipped-sample count of planar channels, in one pass. */
export function sampleStats(channels: ArrayLike<number>[]): SampleStats {
  let peak = 0;
  let sumSquares = 0;
  let clipped = 0;
  let samples = 0;
  for (const ch of channels) {
    let run = 0;
    let last = NaN;
    const n = ch.length;
    for (let i = 0; i < n; i++) {
      const v = ch[i];
      const a = Math.abs(v);
      if (a > peak) peak = a;
      sumSquares += v * v;
      if (a >= CLIP.fullScale) {
        clipped++;
        run = 0;
      } else if (a >= CLIP.runLevel && v === last) {
        run++; // run repeats = run + 1 identical samples
        if (run === CLIP.minRun - 1) clipped += CLIP.minRun;
        else if (run > CLIP.minRun - 1) clipped++;
      } else run = 0;
      last = v;
    }
    samples += n;
  }
  return { peak, sumSquares, clipped, samples };
}

/** Largest absolute sample over all channels (linear, 1 = full scale). */
export function peak(audio: Pick<PcmAudio, 'channels'>): number {
  return sampleStats(audio.channels).peak;
}

/** Root-mean-square over all channels and samples (linear). 0 for empty audio. */
export function rms(audio: Pick<PcmAudio, 'channels'>): number {
  const s = sampleStats(audio.channels);
  return s.samples ? Math.sqrt(s.sumSquares / s.samples) : 0;
}

/** Linear amplitude to dBFS (-Infinity for 0). */
export function toDb(linear: number): number {
  return linear > 0 ? 20 * Math.log10(linear) : -Infinity;
}

/** Fraction of samples clipped by the CLIP rule (full scale, or flattened tops). 0 for empty audio. */
export function clippingRatio(audio: Pick<PcmAudio, 'channels'>): number {
  const s = sampleStats(audio.channels);
  return s.samples ? s.clipped / s.samples : 0;
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

/** Loudness options. */
export interface LoudnessOptions {
  /** Per-channel weights (BS.1770: 1 for L/R/C, 1.41 for surrounds, 0 for LFE). Default all 1. */
  channelWeights?: number[];
}

/**
 * Integrated loudness in LUFS (BS.1770-4: K-weighting, 400 ms blocks with 75 % overlap, absolute
 * -70 LUFS and relative -10 LU gates). Streaming: the filters run sample by sample and only 100 ms
 * power sums are kept, so an hour of audio costs kilobytes. A clip shorter than one block is measured
 * as a single block. -Infinity for silence.
 */
export function integratedLoudness(audio: Pick<PcmAudio, 'channels' | 'sampleRate'>, opts: LoudnessOptions = {}): number {
  const { channels, sampleRate: rate } = audio;
  const n = channels[0]?.length ?? 0;
  if (n === 0) return -Infinity;
  const [shelf, hp] = kWeightingFilters(rate);
  const step = Math.max(1, Math.round(0.1 * rate));
  const block = 4 * step;
  const subs = new Float64Array(Math.ceil(n / step));
  channels.forEach((ch, c) => {
    const g = opts.channelWeights?.[c] ?? 1;
    if (g === 0) return;
    let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
    for (let i = 0; i < n; i++) {
      const x = ch[i];
      const y = shelf.b0 * x + shelf.b1 * x1 + shelf.b2 * x2 - shelf.a1 * y1 - shelf.a2 * y2;
      x2 = x1; x1 = x;
      const z = hp.b0 * y + hp.b1 * y1 + hp.b2 * y2 - hp.a1 * z1 - hp.a2 * z2;
      y2 = y1; y1 = y;
      z2 = z1; z1 = z;
      subs[(i / step) | 0] += g === 1 ? z * z : g * z * z;
    }
  });
  const powers: number[] = [];
  if (n <= block) powers.push(subs.reduce((a, v) => a + v, 0) / n);
  else {
    const blocks = 1 + Math.floor((n - block) / step);
    for (let j = 0; j < blocks; j++) powers.push((subs[j] + subs[j + 1] + subs[j + 2] + subs[j + 3]) / block);
  }
  const lk = (z: number): number => -0.691 + 10 * Math.log10(z);
  const abs = powers.filter((z) => z > 0 && lk(z) > -70);
  if (abs.length === 0) return -Infinity;
  const rel = lk(abs.reduce((a, v) => a + v, 0) / abs.length) - 10;
  const gated = abs.filter((z) => lk(z) > rel);
  return gated.length ? lk(gated.reduce((a, v) => a + v, 0) / gated.length) : -Infinity;
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
