// The conversion pipeline (DESIGN §1, §4): 16 kHz mono source -> log-mel -> content encoder ->
// decoder with the target's speaker embedding and the pitch-converted F0 -> vocoder (the Vocoder seam:
// neural source-filter or Griffin-Lim) -> loudness matched to the source. Long input runs in overlapping
// chunks joined by crossfades (linear where the vocoder is coherent across chunks, equal-power where not),
// so memory per step stays bounded and progress is reported per chunk; an AbortSignal is checked between
// stages and chunks. The source's pitch track comes back with the result (the engine's verifier meter reuses it).
import { ApiError } from '../api/errors.js';
import type { PipelineStage } from '../api/types.js';
import { heldPitchHz, pulsePhaseAt } from '../dsp/source-filter.js';
import { LogMelExtractor } from '../dsp/mel.js';
import type { VoiceModel } from '../model/inference.js';
import { frameErrors, newFrameStats, type FrameStats } from '../quality-gate/analyze.js';
import { matchLoudness } from './loudness.js';
import { HOP, inputGain, MODEL_RATE, scaled, throwIfCancelled, yieldToEventLoop } from './frames.js';
import type { F0Track } from '../dsp/f0.js';
import { convertLogF0, f0Blocked, f0Stats, type F0Stats } from './pitch.js';
import { cosine, meanEmbedding } from './similarity.js';
import type { VerifierTarget } from '../quality-gate/speaker-meter.js';
import { DEFAULT_QUALITY } from './quality.js';
import { vocoderFor, type Vocoder } from './vocoder.js';
import type { DspThread } from './dsp-thread.js';

export { HOP, MODEL_RATE, throwIfCancelled, yieldToEventLoop };
export { activeRms, loudnessGain, matchLoudness } from './loudness.js';

/** What the decoder needs to know about the target voice. */
export interface TargetVoice {
  /** L2-normalized speaker embedding [D]. */
  embedding: Float32Array;
  /** ln-F0 statistics of the voice. */
  f0: F0Stats;
  /**
   * The speaker verifier's embedding of the voice, for the "sounds like the target" meter (never given
   * to the decoder). Absent: the meter says the voice has none.
   */
  verifier?: VerifierTarget;
}

/** Progress of a conversion. */
export interface ConvertProgress {
  /** Current stage (PIPELINE_STAGES, src/api/types.ts). */
  stage: PipelineStage;
  /** 0..1 over the whole conversion. */
  progress: number;
  chunk: number;
  chunks: number;
}

/** Options of `convertAudio`. */
export interface ConvertOptions {
  /** Pitch offset in semitones on top of the target's range. Default 0. */
  pitchSemitones?: number;
  /** What turns the decoder's log-mel into audio. Default vocoderFor(DEFAULT_QUALITY, model). */
  vocoder?: Vocoder;
  /** Chunk length in seconds. Default 10 (inputs up to chunkSeconds + overlapSeconds run in one piece). */
  chunkSeconds?: number;
  /** Overlap between chunks, crossfaded, in seconds. Default 0.5. */
  overlapSeconds?: number;
  /**
   * Compute the converter's own speaker-encoder similarity of the output (one more pass). Default true.
   * Diagnostics only: the engine turns it off, since the meter users see comes from the separately
   * trained verifier (the converter grading itself read 1.00 on white noise).
   */
  similarity?: boolean;
  /** Also measure the source's reconstruction error (one more decoder pass per chunk) for the quality gate. Default false. */
  anomaly?: boolean;
  /** Gain applied to the source before the models (see inputGain). Default: peak to the training level. */
  inputGain?: number;
  /** Match the output loudness to the source. Default true. */
  matchLoudness?: boolean;
  /** Where the source's pitch is tracked (beside the first content encoder run). Default: this thread. */
  dspThread?: DspThread;
  /**
   * Called once, right after the first chunk's synthesis is handed to the vocoder, with the source's pitch
   * track: graphs the callback queues run on this thread while the DSP thread synthesizes (dsp-thread.ts).
   */
  whileSynthesizing?: (sourceF0: F0Track) => void;
  /** Checked between stages and chunks; aborting throws ApiError('CANCELLED'). */
  signal?: AbortSignal;
  /** Called at each stage of each chunk. */
  onProgress?: (p: ConvertProgress) => void;
}

/** The result of `convertAudio`. */
export interface ConvertOutput {
  /** 16 kHz mono output, as long as the input. */
  audio: Float32Array;
  /** Stage -> milliseconds, summed over chunks. The vocoder's synthesis runs on a worker thread beside the source's embedding and anomaly pass, so stages may overlap: the sum can exceed the wall time. */
  timings: Record<string, number>;
  /** Cosine similarity of the output's speaker embedding to the target's and to the source's (NaN when not measured). */
  similarity: { toTarget: number; toSource: number };
  /** Speaker embedding of the source (mean over chunks). */
  sourceEmbedding: Float32Array;
  chunks: number;
  /** The source's pitch track (YIN, one value per frame), which the conversion was driven by. */
  sourceF0: F0Track;
  /** With `options.anomaly`: the source's per-frame figures for the quality gate (reconstruction error, level, spectral shape). */
  anomaly?: FrameStats;
}

/** A chunk of the source: [start, end) samples, start a multiple of HOP. */
export interface Chunk {
  start: number;
  end: number;
}

/**
 * Splits `n` samples into overlapping chunks whose starts are frame-aligned.
 * @param chunk chunk length in samples
 * @param overlap overlap in samples
 */
export function planChunks(n: number, chunk: number, overlap: number): Chunk[] {
  const step = Math.max(HOP, Math.floor((chunk - overlap) / HOP) * HOP);
  if (n <= chunk + overlap) return [{ start: 0, end: n }];
  const out: Chunk[] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(n, start + chunk);
    // fold a short tail into the last chunk instead of making a sliver
    if (n - end < overlap * 2) {
      out.push({ start, end: n });
      break;
    }
    out.push({ start, end });
  }
  return out;
}

/**
 * Converts 16 kHz mono `source` toward `target`.
 * @throws ApiError CANCELLED when `options.signal` fires; MODEL_ERROR when a graph fails
 */
export async function convertAudio(model: VoiceModel, source: Float32Array, target: TargetVoice, options: ConvertOptions = {}): Promise<ConvertOutput> {
  const { signal, onProgress } = options;
  const vocoder = options.vocoder ?? vocoderFor(DEFAULT_QUALITY, model);
  const chunkLen = Math.round((options.chunkSeconds ?? 10) * MODEL_RATE);
  const overlap = Math.round((options.overlapSeconds ?? 0.5) * MODEL_RATE);
  const wantSimilarity = options.similarity ?? true;
  const timings: Record<string, number> = {};
  const time = async <T>(stage: string, fn: () => T | Promise<T>): Promise<T> => {
    throwIfCancelled(signal);
    const t0 = performance.now();
    const r = await fn();
    timings[stage] = (timings[stage] ?? 0) + (performance.now() - t0);
    return r;
  };
  if (source.length < HOP) throw new ApiError('BAD_AUDIO', 'The source is too short to convert: record at least a second of speech.');

  const chunks = planChunks(source.length, chunkLen, overlap);
  const report = (stage: PipelineStage, k: number, frac: number): void =>
    onProgress?.({ stage, progress: Math.min(1, (k + frac) / chunks.length), chunk: k, chunks: chunks.length });

  const mel = new LogMelExtractor();
  const out = new Float32Array(source.length);
  const srcEmb: { e: Float32Array; w: number }[] = [];
  const outEmb: Promise<{ e: Float32Array; w: number }>[] = [];
  const semis = options.pitchSemitones ?? 0;
  const totalFrames = 1 + Math.floor(source.length / HOP);
  const anomaly = options.anomaly ? newFrameStats(totalFrames) : undefined;
  // Model runs are queued (onnxruntime-node runs them on this thread, each in its own setImmediate):
  // start them, then queue or do other work, await them when needed. A launched promise gets a no-op
  // catch so a failure while other work runs is not an unhandled rejection; awaiting it still throws.
  const launch = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => {});
    return p;
  };
  let track: F0Track | null = null;
  const gain = options.inputGain ?? inputGain(source);
  let srcStats: ReturnType<typeof f0Stats> | null = null;
  // The converted pitch of the whole input (the decoder's and the vocoder's), with unvoiced frames held
  // for the pulse train: computed once, so every chunk sees the same track and phase.
  let convLogF0: Float32Array | null = null;
  let pitchHz: Float64Array | null = null;
  // pulse phase at the start of the last chunk, carried forward so each chunk sums only its own frames
  let phaseFrom = { frame: 0, phase: 0 };
  // The pitch of the whole source (its statistics drive the conversion): on the DSP thread, while the
  // first chunk's features and content encoder run here.
  const pitchP = options.dspThread ? launch(options.dspThread.pitch(source, gain)) : null;

  for (let k = 0; k < chunks.length; k++) {
    const { start, end } = chunks[k];
    const piece = source.subarray(start, end);
    // A cancel that arrived during the last chunk's final step stops here, before the next chunk starts.
    throwIfCancelled(signal);
    report('features', k, 0);
    const m = await time('mel', () => mel.compute(scaled(piece, gain)));
    const frames = m.frames;
    report('content', k, 0.1);
    const contentP = launch(time('contentEncoder', () => model.content(m.data, frames)));
    if (!track) {
      report('pitch', k, 0.1);
      if (pitchP) {
        const p = await pitchP;
        timings.f0 = p.ms;
        track = p.value;
      } else {
        // no DSP thread: here, before the queued content encoder runs
        track = await time('f0', () => f0Blocked(source, undefined, gain));
      }
      srcStats = f0Stats(track.logF0, track.voiced);
      convLogF0 = convertLogF0(track.logF0, track.voiced, srcStats, target.f0, semis);
      pitchHz = heldPitchHz(convLogF0, track.voiced);
    }
    const f0Frame = start / HOP;
    const lf0 = track.logF0.subarray(f0Frame, f0Frame + frames);
    const vuv = track.voiced.subarray(f0Frame, f0Frame + frames);
    const outLf0 = convLogF0!.subarray(f0Frame, f0Frame + frames);
    const f0In = model.f0Input(outLf0, vuv);
    const content = await contentP;
    report('decoder', k, 0.3);
    const outMel = await time('decoder', () => model.decode(content, target.embedding, f0In, frames));
    await yieldToEventLoop();
    report('vocoder', k, 0.45);
    phaseFrom = { frame: f0Frame, phase: pulsePhaseAt(pitchHz!, f0Frame, phaseFrom) };
    throwIfCancelled(signal);
    let besideDone: () => void = () => {};
    const beside = new Promise<void>((resolve) => (besideDone = resolve));
    const vocodedP = launch(vocoder.vocode({
      logMel: outMel, frames, length: piece.length, logF0: outLf0, voiced: vuv,
      pitchHz: pitchHz!.subarray(f0Frame, f0Frame + frames), phase0: phaseFrom.phase, startSample: start, beside,
    }));
    // onnxruntime-node runs graphs synchronously on this thread (queued with setImmediate, in order): the
    // source's embedding and the anomaly reconstruction are queued after the vocoder's graph, so they run
    // here while the synthesis runs on its worker thread (dsp-thread.ts).
    const sideP = wantSimilarity || anomaly ? launch((async () => {
      const e = await time('speakerEncoder', () => model.embed(m.data, frames));
      srcEmb.push({ e, w: frames });
      if (!anomaly) return;
      const rec = await time('anomaly', () => model.decode(content, e, model.f0Input(lf0, vuv), frames));
      frameErrors(m.data, rec, frames, anomaly, f0Frame);
    })()) : null;
    // the vocoder's share of the synthesis on this thread (vocoder.ts) waits for these graphs
    if (sideP) sideP.then(besideDone, besideDone);
    else besideDone();
    if (k === 0) options.whileSynthesizing?.(track);
    const vocoded = await vocodedP;
    timings.vocoder = (timings.vocoder ?? 0) + vocoded.ms;
    const audio = vocoded.audio;
    await yieldToEventLoop();
    if (sideP) await sideP;
    if (wantSimilarity) {
      report('similarity', k, 0.9);
      const om = await time('mel', () => mel.compute(audio));
      outEmb.push(launch(time('speakerEncoder', () => model.embed(om.data, om.frames)).then((e) => ({ e, w: frames }))));
    }
    // Overlap-add: a coherent vocoder's chunks agree in the overlap (gains summing to 1 keep the level);
    // unrelated phases (Griffin-Lim) need an equal-power crossfade.
    const fadeLen = k > 0 ? Math.min(overlap, chunks[k - 1].end - start) : 0;
    for (let i = 0; i < audio.length; i++) {
      if (i < fadeLen) {
        const x = (i + 0.5) / fadeLen;
        const a = vocoder.coherent ? Math.cos((Math.PI / 2) * x) ** 2 : Math.cos((Math.PI / 2) * x);
        const b = vocoder.coherent ? Math.sin((Math.PI / 2) * x) ** 2 : Math.sin((Math.PI / 2) * x);
        out[start + i] = out[start + i] * a + audio[i] * b;
      } else {
        out[start + i] = audio[i];
      }
    }
    report('vocoder', k, 1);
    await yieldToEventLoop();
  }
  throwIfCancelled(signal);
  if (options.matchLoudness ?? true) await time('loudness', () => matchLoudness(out, source));
  const outputs = await Promise.all(outEmb);
  const sourceEmbedding = srcEmb.length > 0 ? meanEmbedding(srcEmb) : new Float32Array(model.embeddingDim);
  const outputEmbedding = wantSimilarity ? meanEmbedding(outputs) : undefined;
  const similarity = outputEmbedding
    ? { toTarget: cosine(outputEmbedding, target.embedding), toSource: cosine(outputEmbedding, sourceEmbedding) }
    : { toTarget: NaN, toSource: NaN };
  for (const k of Object.keys(timings)) timings[k] = Math.round(timings[k] * 10) / 10;
  return { audio: out, timings, similarity, sourceEmbedding, chunks: chunks.length, sourceF0: track!, anomaly };
}
