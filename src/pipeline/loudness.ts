// Loudness matching of a conversion's result to its source. Why a file of its own: the gain is pure
// typed-array work that the DSP worker computes (dsp-thread.ts) while the JavaScript thread runs the
// verifier meter on the same result, so it must not pull the pipeline's model code into the worker.
import { loudnessLufs } from '../quality-gate/analyze.js';
import { MODEL_RATE } from './frames.js';

/** Highest sample peak after the gain: -0.5 dBFS. */
const PEAK_CEILING = 0.944;

/** Root mean square over the louder half of 20 ms frames (speech level, ignoring pauses). */
export function activeRms(x: Float32Array, rate = MODEL_RATE): number {
  const frame = Math.max(1, Math.round(rate * 0.02));
  const energies: number[] = [];
  for (let i = 0; i + frame <= x.length; i += frame) {
    let s = 0;
    for (let j = i; j < i + frame; j++) s += x[j] * x[j];
    energies.push(s / frame);
  }
  if (energies.length === 0) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i] * x[i];
    return Math.sqrt(s / Math.max(1, x.length));
  }
  energies.sort((a, b) => b - a);
  const top = energies.slice(0, Math.max(1, Math.ceil(energies.length / 2)));
  return Math.sqrt(top.reduce((a, b) => a + b, 0) / top.length);
}

/**
 * The gain that gives `out` the integrated loudness of `source` (BS.1770 LUFS; the louder-half RMS when
 * either is silent by that measure), lowered where needed to keep the peak at or below -0.5 dBFS.
 */
export function loudnessGain(out: Float32Array, source: Float32Array): number {
  const la = loudnessLufs([source], MODEL_RATE);
  const lb = loudnessLufs([out], MODEL_RATE);
  let gain: number;
  if (la > -70 && lb > -70) gain = 10 ** ((la - lb) / 20);
  else {
    const a = activeRms(source);
    const b = activeRms(out);
    gain = b > 1e-9 ? a / b : 1;
  }
  let peak = 0;
  for (let i = 0; i < out.length; i++) peak = Math.max(peak, Math.abs(out[i]));
  if (peak * gain > PEAK_CEILING) gain = PEAK_CEILING / peak;
  return gain;
}

/**
 * Scales `out` in place by `loudnessGain(out, source)`.
 * @returns the applied gain
 */
export function matchLoudness(out: Float32Array, source: Float32Array): number {
  const gain = loudnessGain(out, source);
  for (let i = 0; i < out.length; i++) out[i] *= gain;
  return gain;
}
