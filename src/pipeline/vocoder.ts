// The vocoder seam of the pipeline: log-mel (+ the converted pitch) -> audio. Two implementations, picked
// by the quality setting (quality.ts): the neural source-filter vocoder (vocoder.onnx + src/dsp/source-filter)
// and Griffin-Lim (src/dsp/griffin-lim), the fallback for exports without vocoder.onnx and the 'classic'
// setting. The pipeline knows only this interface.
import type { VocoderQuality } from '../api/types.js';
import { griffinLimFromLogMel } from '../dsp/griffin-lim.js';
import type { VoiceModel } from '../model/inference.js';
import { VocoderGraph } from '../model/vocoder-graph.js';
import { QUALITY } from './quality.js';
import { DspThread, type Timed } from './dsp-thread.js';

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
}

/** A synthesized chunk and the milliseconds the vocoder computed it in (not counting waits for a thread). */
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
 * The neural vocoder: aperiodicity and detail from vocoder.onnx, harmonic-plus-noise synthesis at the given
 * pitch, on `thread` when given (the graph runs on the calling thread either way).
 */
export class SourceFilterVocoder implements Vocoder {
  readonly kind = 'neural';
  readonly coherent = true;
  constructor(private readonly graph: VocoderGraph, private readonly model: VoiceModel, readonly passes: number, private readonly thread?: DspThread, readonly detailFloor = 0) {}

  async vocode(input: VocoderInput): Promise<VocodedAudio> {
    const t0 = performance.now();
    const { aperiodicity, detail } = await this.graph.controls(input.logMel, this.model.f0Input(input.logF0, input.voiced), input.frames);
    const floor = this.detailFloor;
    if (floor > 0) for (let i = 0; i < detail.length; i++) if (detail[i] < floor) detail[i] = floor;
    const netMs = performance.now() - t0;
    const job = {
      logMel: input.logMel, frames: input.frames, pitchHz: input.pitchHz, voiced: input.voiced, aperiodicity,
      options: { detail, passes: this.passes, length: input.length, phase0: input.phase0, startSample: input.startSample, freeVoicing: this.graph.freeVoicing },
    };
    const r = this.thread ? await this.thread.synthesize(job) : (DspThread.inThread({ kind: 'synthesize', job }) as Timed<Float32Array>);
    return { audio: r.value, ms: netMs + r.ms };
  }
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
