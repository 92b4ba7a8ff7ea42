// Shared constants of the model's framing (DESIGN §3) and the cooperative-cancellation helpers every
// long-running engine step uses between stages.
import { ApiError } from '../api/errors.js';

/** Model sample rate, Hz. */
export const MODEL_RATE = 16000;
/** Samples per mel frame (hop). */
export const HOP = 256;

/** Throws ApiError('CANCELLED') when the signal fired. */
export function throwIfCancelled(signal?: AbortSignal, what = 'The conversion'): void {
  if (signal?.aborted) throw new ApiError('CANCELLED', `${what} was cancelled.`);
}

/** Lets queued I/O (a cancel request, a progress poll) run between CPU-bound stages. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Peak level of the training audio: the corpus was peak-normalized to -2 dBFS (sox `norm -2`). The
 * autoencoder's instance-normalized content is level-free, but its decoder rebuilds log-mel at the
 * training level and its speaker encoder and YIN's silence gate see absolute level, so model input is
 * brought to this peak first (the output is loudness-matched to the original afterwards).
 */
export const TRAINING_PEAK = 10 ** (-2 / 20);
/** Largest input gain applied (+40 dB): quieter input is noise or silence, not speech to amplify. */
export const MAX_INPUT_GAIN = 100;

/** Gain that brings the peak of `x` to TRAINING_PEAK (1 for silence, at most MAX_INPUT_GAIN). */
export function inputGain(x: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > peak) peak = a;
  }
  return peak > 0 ? Math.min(MAX_INPUT_GAIN, TRAINING_PEAK / peak) : 1;
}

/** `x` times `gain` (a copy; the input itself when gain is 1). */
export function scaled(x: Float32Array, gain: number): Float32Array {
  if (gain === 1) return x;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * gain;
  return out;
}
