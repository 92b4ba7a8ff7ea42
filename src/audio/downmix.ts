// Downmix any channel layout to mono. Why it exists: the model runs on mono 16 kHz audio
// (DESIGN §3) while users bring stereo or multichannel files.

import type { DecodedAudio } from './decode';

/** Downmix options. */
export interface DownmixOptions {
  /** Per-channel weights; default equal weights 1/channels (the mean). */
  weights?: number[];
}

/**
 * Mix all channels to one (default: the mean, so a mono file is returned unchanged in value
 * and two identical channels give the same signal back).
 * @returns a new Float32Array (a copy even for mono input)
 */
export function downmix(audio: Pick<DecodedAudio, 'channels'>, opts: DownmixOptions = {}): Float32Array {
  const chans = audio.channels;
  if (chans.length === 0) return new Float32Array(0);
  const n = chans.reduce((m, c) => Math.min(m, c.length), Infinity);
  if (chans.length === 1 && !opts.weights) return Float32Array.from(chans[0].subarray(0, n));
  const w = opts.weights ?? chans.map(() => 1 / chans.length);
  if (w.length !== chans.length) throw new RangeError(`downmix: ${w.length} weights for ${chans.length} channels`);
  const out = new Float32Array(n);
  if (chans.length === 2) {
    // the common case in one pass, summed in double precision as below
    const [a, b] = chans;
    const [ga, gb] = w;
    for (let i = 0; i < n; i++) out[i] = ga * a[i] + gb * b[i];
    return out;
  }
  const acc = new Float64Array(n);
  for (let c = 0; c < chans.length; c++) {
    const ch = chans[c];
    const g = w[c];
    for (let i = 0; i < n; i++) acc[i] += g * ch[i];
  }
  for (let i = 0; i < n; i++) out[i] = acc[i];
  return out;
}
