// A stretch of a source-filter synthesis computed on its own (source-filter.ts), so two threads can share one
// chunk: the pipeline's DSP worker synthesizes the first part while the engine's thread, after the model runs it
// has queued beside the synthesis, synthesizes the rest.
// Why the pieces join without a seam: everything the synthesis does per frame depends only on that frame (the
// envelope kernel of its F0, its target envelope, detail, aperiodicity and voicing) and on the excitation, which
// is keyed by position: the noise by `startSample`, the pulse phase by the phase the whole run reaches at the
// piece's first sample (`pulsePhaseAfter`, the pulse train's own per-sample recursion, so the phase is the same
// double). What differs in a piece run alone is its edges: the reflect padding, the window-sum normalization and
// the pulse train's last frame. Each analysis-synthesis round (the first synthesis and every consistency pass)
// spreads an edge's difference at most N_FFT - 1 samples inward, so a piece padded by `rangeContextFrames(passes)`
// frames of context on each side reproduces the whole run's samples between them, bit for bit (every frame's
// arithmetic and the overlap-add order are the same).

import { pulsePhaseAfter, sourceFilter, DEFAULT_PASSES, type SourceFilterOptions } from './source-filter';
import { frameCount, HOP, N_FFT } from './stft';

const BANDS = 80;

/**
 * Frames of context a piece needs on each side for its kept samples to equal the whole run's: the reach of
 * `passes + 1` analysis-synthesis rounds (N_FFT - 1 samples each), rounded up, plus the last frame's pulse ramp.
 */
export function rangeContextFrames(passes: number): number {
  return Math.ceil(((passes + 1) * N_FFT) / HOP) + 1;
}

/** Frames [a, b) of a band-major [BANDS][frames] array, band-major [BANDS][b - a]. */
function sliceBands(x: Float32Array, frames: number, a: number, b: number): Float32Array {
  const n = b - a;
  const out = new Float32Array(BANDS * n);
  for (let band = 0; band < BANDS; band++) out.set(x.subarray(band * frames + a, band * frames + b), band * n);
  return out;
}

/**
 * Output samples [from, to) of `sourceFilter(logMel, frames, f0Hz, voiced, aperiodicity, opts)`, synthesized
 * with only the frames they need (see the file header): joined, pieces split at the same sample give the whole
 * output, sample for sample.
 * @param from first sample, a multiple of HOP
 * @param to end sample (exclusive), a multiple of HOP or the output length
 */
export function sourceFilterRange(logMel: Float32Array, frames: number, f0Hz: ArrayLike<number>, voiced: ArrayLike<number>,
  aperiodicity: Float32Array, opts: SourceFilterOptions, from: number, to: number): Float32Array {
  const length = opts.length ?? (frames - 1) * HOP;
  if (frameCount(length, HOP) !== frames) throw new RangeError(`length ${length} does not give ${frames} frames`);
  if (!(from >= 0 && from <= to && to <= length) || from % HOP !== 0 || (to % HOP !== 0 && to !== length)) {
    throw new RangeError(`sample range ${from}..${to} is not frame-aligned inside 0..${length}`);
  }
  const ctx = rangeContextFrames(opts.passes ?? DEFAULT_PASSES);
  // the piece's frames [a, b): ctx frames before `from`'s frame and after `to`'s
  const a = Math.max(0, from / HOP - ctx);
  const b = Math.min(frames, Math.ceil(to / HOP) + ctx + 1);
  if (a === 0 && b === frames) return sourceFilter(logMel, frames, f0Hz, voiced, aperiodicity, opts).slice(from, to);
  const n = b - a;
  // the last piece keeps the whole run's tail; an inner piece ends on its last frame
  const pieceLength = b === frames ? length - a * HOP : (n - 1) * HOP;
  const hz = new Float64Array(n);
  const vuv = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    hz[t] = f0Hz[a + t];
    vuv[t] = voiced[a + t];
  }
  const phase0 = opts.phase0 ?? 0;
  const audio = sourceFilter(sliceBands(logMel, frames, a, b), n, hz, vuv, sliceBands(aperiodicity, frames, a, b), {
    ...opts,
    length: pieceLength,
    detail: opts.detail ? sliceBands(opts.detail, frames, a, b) : undefined,
    phase0: a === 0 ? phase0 : pulsePhaseAfter(f0Hz, phase0, a * HOP),
    startSample: (opts.startSample ?? 0) + a * HOP,
  });
  return audio.slice(from - a * HOP, to - a * HOP);
}
