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
