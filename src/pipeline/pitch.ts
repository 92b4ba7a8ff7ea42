// Pitch conversion for the decoder's explicit F0 input (DESIGN §6): the source's log-F0 contour is
// standardized with the source's own statistics and re-scaled to the target voice's mean and spread,
// then offset by the user's pitch control:
//   lnF0_out = (lnF0_src - mean_src) / std_src * std_tgt + mean_tgt + semitones * ln(2) / 12
// Statistics are the mean and standard deviation of ln(F0 Hz) over voiced frames.

import { f0Yin, type F0Track } from '../dsp/f0.js';
import { HOP, scaled } from './frames.js';

/** Mean and standard deviation of ln(F0 Hz) over voiced frames. */
export interface F0Stats {
  mean: number;
  std: number;
}

/** Fewer voiced frames than this and a contour's spread is not trusted (the shift keeps the source's spread). */
export const MIN_VOICED_FRAMES = 10;
/** Floor on a standard deviation of ln F0 (about 1/3 semitone), so flat sources do not blow up. */
export const MIN_F0_STD = 0.02;

/**
 * Mean and standard deviation of ln F0 over voiced frames.
 * @returns stats and the voiced frame count; mean/std are NaN with no voiced frame
 */
export function f0Stats(logF0: ArrayLike<number>, voiced: ArrayLike<number>): F0Stats & { voicedFrames: number } {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < logF0.length; t++) {
    if (voiced[t] > 0.5) {
      n++;
      s += logF0[t];
      s2 += logF0[t] * logF0[t];
    }
  }
  if (n === 0) return { mean: NaN, std: NaN, voicedFrames: 0 };
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)), voicedFrames: n };
}

/**
 * The converted ln-F0 contour (unvoiced frames stay 0).
 * @param source stats of the whole source (not the chunk), from `f0Stats`
 * @param target the target voice's stats
 * @param semitones the user's offset; default 0
 */
export function convertLogF0(
  logF0: ArrayLike<number>,
  voiced: ArrayLike<number>,
  source: F0Stats & { voicedFrames?: number },
  target: F0Stats,
  semitones = 0,
): Float32Array {
  const out = new Float32Array(logF0.length);
  const offset = (semitones * Math.LN2) / 12;
  const trusted = (source.voicedFrames ?? MIN_VOICED_FRAMES) >= MIN_VOICED_FRAMES && Number.isFinite(source.mean);
  const srcStd = Math.max(MIN_F0_STD, trusted ? source.std : MIN_F0_STD);
  const tgtStd = Math.max(MIN_F0_STD, target.std);
  const ratio = trusted ? tgtStd / srcStd : 1;
  const srcMean = Number.isFinite(source.mean) ? source.mean : target.mean;
  for (let t = 0; t < logF0.length; t++) {
    if (voiced[t] > 0.5) out[t] = (logF0[t] - srcMean) * ratio + target.mean + offset;
  }
  return out;
}

/**
 * The YIN track of `x` (one value per mel frame, as f0Yin) computed in blocks with enough context that
 * every frame equals the one-shot result, so long input never needs a padded copy of the whole signal.
 * @param blockFrames frames per block. Default 1250 (20 s).
 * @param gain applied to each block before YIN (see inputGain). Default 1.
 */
export function f0Blocked(x: Float32Array, blockFrames = 1250, gain = 1): F0Track {
  const frames = 1 + Math.floor(x.length / HOP);
  if (frames <= blockFrames) return f0Yin(scaled(x, gain));
  const logF0 = new Float32Array(frames);
  const voiced = new Float32Array(frames);
  const ctx = 4 * HOP; // >= half the 1024-sample analysis frame
  for (let f0 = 0; f0 < frames; f0 += blockFrames) {
    const f1 = Math.min(frames, f0 + blockFrames);
    const s0 = Math.max(0, f0 * HOP - ctx);
    const s1 = Math.min(x.length, (f1 - 1) * HOP + ctx + 1);
    const tr = f0Yin(scaled(x.subarray(s0, s1), gain));
    const offset = s0 / HOP;
    for (let t = f0; t < f1; t++) {
      logF0[t] = tr.logF0[t - offset];
      voiced[t] = tr.voiced[t - offset];
    }
  }
  return { logF0, voiced, frames };
}
