// The vocoder seam of the pipeline: log-mel (+ the converted pitch) -> audio. Two implementations, picked
// by the quality setting (quality.ts): the neural source-filter vocoder (vocoder.onnx + src/dsp/source-filter)
// and Griffin-Lim (src/dsp/griffin-lim), the fallback for exports without vocoder.onnx and the 'classic'
// setting. The pipeline knows only this interface.
import type { VocoderQuality } from '../api/types.js';
import { griffinLimFromLogMel } from '../dsp/griffin-lim.js';
import type { VoiceModel } from '../model/inference.js';
import { VocoderGraph } from '../model/vocoder-graph.js';
import { QUALITY } from './quality.js';
import { DspThread, type SynthJob, type Timed } from './dsp-thread.js';
import { sourceFilterRange, rangeContextFrames } from '../dsp/source-filter-range.js';
import { HOP } from './frames.js';

/**
 * The share of a chunk's frames the neural vocoder synthesizes on the calling thread when it has a DSP worker.
 * That thread first runs the graphs the pipeline queues beside the synthesis (the source's embedding and anomaly
 * pass, the meter's source embedding: 60-90 ms per 10 s chunk against 130-150 ms for the whole synthesis), so it
 * takes the smaller part. Measured on the bench clip: at 0.25 the calling thread still waited 15-20 ms for the
 * worker; at 0.3 both finish at about the same time.
 */
export const CALLING_THREAD_SHARE = 0.3;

/** One chunk to synthesize. */
export interface VocoderInput {
  /** Band-major [80][frames] raw log-mel (the decoder's output). */
  logMel: Float32Array;
  frames: number;
  /** Output length in samples (frames = 1 + floor(length / HOP)). */
  length: number;
  /** The pitch the decoder was given: ln Hz per frame (ignored where unvoiced) and the voiced flag. */
  logF0: Float32Array;
  voiced: Float32Array;
  /** Per-frame F0 in Hz with unvoiced frames held (heldPitchHz of the whole track, this chunk's slice). */
  pitchHz: Float64Array;
  /** Pulse phase accumulated before the chunk's first sample (pulsePhaseAt of the whole track). */
  phase0: number;
  /** Absolute index of the chunk's first sample in the whole input. */
  startSample: number;
  /**
   * Settles when the work the caller queues on this thread beside the synthesis is done (the pipeline's source
   * embedding and anomaly pass): a vocoder that shares the synthesis with this thread starts its part after it.
   */
  beside?: Promise<unknown>;
}

/**
 * A synthesized chunk and the milliseconds the vocoder computed it in (not counting waits for a thread): the
 * graph, then the synthesis on the slower of the two threads when it was split between them.
 */
export interface VocodedAudio {
  audio: Float32Array;
  ms: number;
}

/** Turns log-mel into audio. */
export interface Vocoder {
  /** What runs: reported with the result. */
  readonly kind: 'neural' | 'griffin-lim';
  /**
   * Whether overlapping chunks of one input synthesize the same signal there (phase and noise keyed by
   * position): then chunks are joined with a linear crossfade; otherwise (random phases) an equal-power one.
   */
  readonly coherent: boolean;
  vocode(input: VocoderInput): Promise<VocodedAudio>;
}

/** Griffin-Lim from the log-mel alone. */
export class GriffinLimVocoder implements Vocoder {
  readonly kind = 'griffin-lim';
  readonly coherent = false;
  constructor(readonly iterations: number) {}

  async vocode(input: VocoderInput): Promise<VocodedAudio> {
    const t0 = performance.now();
    const audio = griffinLimFromLogMel(input.logMel, input.frames, { iterations: this.iterations, length: input.length });
    return { audio, ms: performance.now() - t0 };
  }
}

/**
 * The neural vocoder: aperiodicity, detail (and the envelope's correction) from vocoder.onnx, harmonic-plus-noise synthesis at the given
 * pitch, on `thread` when given (the graph runs on the calling thread either way). With a worker, a chunk's
 * synthesis is shared: the worker takes its first part, the calling thread the rest (CALLING_THREAD_SHARE of the
 * frames) once the work queued beside it (`input.beside`) is done, so the calling thread does not sit idle.
 */
export class SourceFilterVocoder implements Vocoder {
  readonly kind = 'neural';
  readonly coherent = true;
  constructor(private readonly graph: VocoderGraph, private readonly model: VoiceModel, readonly passes: number, private readonly thread?: DspThread, readonly detailFloor = 0) {}

  async vocode(input: VocoderInput): Promise<VocodedAudio> {
    const t0 = performance.now();
    const { aperiodicity, detail, logMel } = await this.graph.controls(input.logMel, this.model.f0Input(input.logF0, input.voiced), input.frames);
    const floor = this.detailFloor;
    if (floor > 0) for (let i = 0; i < detail.length; i++) if (detail[i] < floor) detail[i] = floor;
    const netMs = performance.now() - t0;
    const job: SynthJob = {
      logMel, frames: input.frames, pitchHz: input.pitchHz, voiced: input.voiced, aperiodicity,
      options: { detail, passes: this.passes, length: input.length, phase0: input.phase0, startSample: input.startSample, freeVoicing: this.graph.freeVoicing },
    };
    const cut = this.thread?.threaded ? splitPoint(input.frames, input.length, this.passes) : 0;
    if (cut > 0) {
      // the first part on the worker, the rest here; joined they are the whole synthesis (source-filter-range.ts)
      const head = this.thread!.synthesize({ ...job, range: { from: 0, to: cut } });
      head.catch(() => {}); // awaited below, after this thread's part
      // the graphs queued beside the synthesis first (their timings then stay their own), then this thread's part
      await input.beside?.catch(() => {});
      const t1 = performance.now();
      const tail = sourceFilterRange(job.logMel, job.frames, job.pitchHz, job.voiced, job.aperiodicity, job.options, cut, input.length);
      const tailMs = performance.now() - t1;
      const h = await head;
      const audio = new Float32Array(input.length);
      audio.set(h.value);
      audio.set(tail, cut);
      return { audio, ms: netMs + Math.max(h.ms, tailMs) };
    }
    const r = this.thread ? await this.thread.synthesize(job) : (DspThread.inThread({ kind: 'synthesize', job }) as Timed<Float32Array>);
    return { audio: r.value, ms: netMs + r.ms };
  }
}

/**
 * Where a chunk's synthesis splits between the worker (samples before it) and the calling thread (from it on):
 * a frame-aligned sample, or 0 for no split when the chunk is too short for each part to outweigh its context.
 */
function splitPoint(frames: number, length: number, passes: number): number {
  const ctx = rangeContextFrames(passes);
  const mine = Math.round(frames * CALLING_THREAD_SHARE);
  if (mine < 2 * ctx) return 0;
  return Math.min(length, (frames - mine) * HOP);
}

/**
 * The vocoder of a quality setting for this export (Griffin-Lim when it has no vocoder.onnx).
 * @param thread where the neural vocoder's synthesis runs (default: the calling thread)
 */
export function vocoderFor(quality: VocoderQuality, model: VoiceModel, thread?: DspThread): Vocoder {
  const spec = QUALITY[quality];
  const graph = new VocoderGraph(model.registry);
  return spec.neural && graph.available ? new SourceFilterVocoder(graph, model, spec.passes, thread, spec.detailFloor) : new GriffinLimVocoder(spec.griffinLimIterations);
}
