// YIN-style F0 tracker, one value per mel frame (hop 256), the TypeScript twin of
// models/train/vc_train/f0.py (same parameters, same steps, same T = 1 + floor(len/256)).
// Why it exists: the decoder takes pitch explicitly (DESIGN §4, §6): normalized log-F0 plus
// a voiced flag; the user's pitch control is an offset on it. parity.test.ts checks this
// file against vectors written by the Python side.

import { getRealFFT } from './fft';
import { scratch64 } from './scratch';
import { frameCount, reflectPad } from './stft';

/** YIN parameters. Defaults equal the constants of f0.py; change them only for experiments. */
export interface YinOptions {
  /** Sample rate, Hz. Default 16000. */
  sampleRate?: number;
  /** Hop between frames. Default 256. */
  hop?: number;
  /** Analysis frame length (centered, reflect padded). Default 1024. */
  frame?: number;
  /** Integration window W of the difference function. Default 512. */
  window?: number;
  /** Lowest F0 searched, Hz. Default 60. */
  fMin?: number;
  /** Highest F0 searched, Hz. Default 1000. */
  fMax?: number;
  /** Cumulative-mean-normalized difference threshold. Default 0.15. */
  threshold?: number;
  /** Frames with RMS over the window below this are unvoiced. Default 1e-4. */
  silenceRms?: number;
}

/** F0 track: natural-log F0 in Hz (0 where unvoiced) and voiced flag 0/1, both length T. */
export interface F0Track {
  logF0: Float32Array;
  voiced: Float32Array;
  frames: number;
}

/**
 * YIN pitch of mono audio, one value per mel frame.
 * @returns logF0 (ln Hz, 0 where unvoiced) and voiced (1/0), T = 1 + floor(len / hop)
 */
export function f0Yin(audio: ArrayLike<number>, opts: YinOptions = {}): F0Track {
  const sr = opts.sampleRate ?? 16000;
  const hop = opts.hop ?? 256;
  const frameLen = opts.frame ?? 1024;
  const W = opts.window ?? 512;
  const fMin = opts.fMin ?? 60;
  const fMax = opts.fMax ?? 1000;
  const threshold = opts.threshold ?? 0.15;
  const silenceRms = opts.silenceRms ?? 1e-4;
  const tauMin = Math.floor(sr / fMax);
  const tauMax = Math.floor(sr / fMin);
  const nTau = tauMax + 2;
  const span = W + tauMax + 1;
  if (tauMin < 1 || span > frameLen) throw new RangeError('YIN options: need 1 <= sr/fMax and window + sr/fMin + 1 <= frame');
  const offset = (frameLen - span) >> 1;
  let fftSize = 4;
  while (fftSize < span) fftSize <<= 1;
  if (fftSize < 1024 && frameLen >= 1024) fftSize = 1024; // same size as f0.py's FFT_SIZE
  const fft = getRealFFT(fftSize);
  const bins = fft.bins;

  const frames = frameCount(audio.length, hop);
  const padded = reflectPad(audio, frameLen >> 1, scratch64('yin.padded', audio.length + 2 * (frameLen >> 1)));
  const logF0 = new Float32Array(frames);
  const voiced = new Float32Array(frames);

  // work space from the pools (scratch.ts: live mode runs this every block)
  const buf = scratch64('yin.buf', fftSize, true);
  const aRe = scratch64('yin.aRe', bins), aIm = scratch64('yin.aIm', bins);
  const bRe = scratch64('yin.bRe', bins), bIm = scratch64('yin.bIm', bins);
  const r = scratch64('yin.r', fftSize, true);
  const cs = scratch64('yin.cs', span + 1, true);
  const cm = scratch64('yin.cm', nTau, true);
  const silence = silenceRms * silenceRms * W;

  for (let t = 0; t < frames; t++) {
    const base = t * hop + offset;
    // FFT cross-correlation r(tau) = sum_{j<W} a[j] b[j + tau]
    for (let j = 0; j < W; j++) buf[j] = padded[base + j];
    buf.fill(0, W);
    fft.forward(buf, aRe, aIm);
    for (let j = 0; j < span; j++) buf[j] = padded[base + j];
    buf.fill(0, span);
    fft.forward(buf, bRe, bIm);
    for (let k = 0; k < bins; k++) {
      // conj(A) * B
      const ar = aRe[k], ai = aIm[k], br = bRe[k], bi = bIm[k];
      bRe[k] = ar * br + ai * bi;
      bIm[k] = ar * bi - ai * br;
    }
    fft.inverse(bRe, bIm, r);
    // running energy
    cs[0] = 0;
    for (let j = 0; j < span; j++) {
      const v = padded[base + j];
      cs[j + 1] = cs[j] + v * v;
    }
    const e0 = cs[W] - cs[0];
    // difference function and CMNDF
    cm[0] = 1;
    let csd = 0;
    for (let tau = 1; tau < nTau; tau++) {
      let d = e0 + (cs[tau + W] - cs[tau]) - 2 * r[tau];
      if (d < 0) d = 0;
      csd += d;
      cm[tau] = csd > 0 ? (d * tau) / csd : 1;
    }
    // first dip below threshold, then descend to the local minimum
    let tau = -1;
    for (let k = tauMin; k <= tauMax; k++) {
      if (cm[k] < threshold) {
        tau = k;
        break;
      }
    }
    if (tau < 0 || e0 < silence) {
      logF0[t] = 0;
      voiced[t] = 0;
      continue;
    }
    while (tau < tauMax && !(cm[tau + 1] >= cm[tau])) tau++;
    const ya = cm[tau - 1], yb = cm[tau], yc = cm[tau + 1];
    const den = ya - 2 * yb + yc;
    let shift = den > 0 ? (0.5 * (ya - yc)) / den : 0;
    if (shift > 1) shift = 1;
    else if (shift < -1) shift = -1;
    logF0[t] = Math.log(sr / (tau + shift));
    voiced[t] = 1;
  }
  return { logF0, voiced, frames };
}

/**
 * Shift a log-F0 track by `semitones` (the user's pitch control), leaving unvoiced frames at 0.
 * @returns a new array
 */
export function shiftLogF0(track: F0Track, semitones: number): Float32Array {
  const out = new Float32Array(track.frames);
  const d = (semitones / 12) * Math.LN2;
  for (let t = 0; t < track.frames; t++) out[t] = track.voiced[t] > 0 ? track.logF0[t] + d : 0;
  return out;
}
