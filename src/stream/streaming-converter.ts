// Live mode's engine half (DESIGN §9, issue 16): block-wise conversion of a 16 kHz mono stream. Per block of
// `blockMs`:
//   1. the block joins a bounded history; YIN runs on the frames whose 1024-sample analysis window is now
//      complete (exactly the offline frames), and their pitch is converted once with the RUNNING source
//      statistics (convertLogF0), then frozen;
//   2. with the STREAMING graphs of the export (content_encoder_stream, decoder_stream: causal convolutions,
//      3 frames of lookahead, each frame normalized over its channels, exported as STEP graphs that carry each
//      convolution's last input frames), each block runs the encoder and decoder only on the frames it adds:
//      the mel frames that became final since the last block enter the graphs' state, the newest (still
//      changing) ones pass through without entering it, and the decoder's final frames are kept for the
//      vocoder's left context. Exports without them fall back to the offline graphs re-run on a window [left
//      context + block + lookahead] ending at the newest sample, whose whole-utterance instance normalization
//      the window only approximates (frames at its right edge are provisional);
//   3. the vocoder synthesizes the whole window with absolute positions (pulse phase accumulated over the
//      frozen pitch, position-keyed noise), so consecutive windows synthesize the same signal where they
//      agree; the output is taken at a fixed delay D = lookahead * hop + (n_fft/2 - hop) behind the newest
//      sample (every emitted sample is synthesized only from final frames), joined to the previous block's
//      tail by a short crossfade.
// Latency = block (buffering) + D (lookahead + synthesis-window overlap) + the compute allowance of the
// output schedule (+ device/transport, outside the engine). The converter keeps a virtual real-time clock
// (blocks arrive every block duration; each takes its measured compute): when a block has to wait behind
// earlier ones so long that it would miss the allowance, it is DROPPED: its models are skipped, the previous
// tail fades out, the block after fades in, the drop is counted; latency never grows.
import { DEFAULT_F0, framePhaseSum, sourceFilter } from '../dsp/source-filter.js';
import { f0Yin } from '../dsp/f0.js';
import { BufferPool } from '../dsp/scratch.js';
import { LogMelExtractor } from '../dsp/mel.js';
import type { VocoderQuality } from '../api/types.js';
import type { StepState, VoiceModel } from '../model/inference.js';
import { HOP, MAX_INPUT_GAIN, MODEL_RATE, TRAINING_PEAK } from '../pipeline/frames.js';
import type { TargetVoice } from '../pipeline/pipeline.js';
import { convertLogF0, MIN_VOICED_FRAMES, type F0Stats } from '../pipeline/pitch.js';
import { vocoderFor, type VocodedAudio, type Vocoder, type VocoderInput } from '../pipeline/vocoder.js';
import { QUALITY } from '../pipeline/quality.js';
import { ChannelStats, instanceNormalize } from '../model/content-norm.js';
import { ComputeHistogram, keepSlowest } from './latency.js';

/** Per-block compute times kept as a list (the whole stream is in the histogram). */
export const RECENT_BLOCKS = 1024;
/** Half the analysis/synthesis window (n_fft 1024 / 2). */
const HALF_WIN = 512;

/** Options of a StreamingConverter. Every field has a default. */
export interface StreamOptions {
  /** Block length in ms, rounded to whole hops (16 ms). Default: STREAM_DEFAULTS of the graphs (32 or 64). */
  blockMs?: number;
  /**
   * Frames behind the newest one that are treated as final (the right context the graphs and the analysis
   * window get). At least 2 (the 1024-sample analysis window of a frame needs 2 hops past its centre).
   * Default: STREAM_DEFAULTS of the graphs (2 or 3).
   */
  lookaheadFrames?: number;
  /**
   * Left context given to window graphs, seconds (rounded to whole hops); step graphs keep their whole history
   * and use it only as the most frames a block catches up after dropped blocks. Default: STREAM_DEFAULTS (0.25 or 1).
   */
  contextSeconds?: number;
  /** Vocoder quality when the export has the neural vocoder: 'fast' (1 consistency pass) or 'best' (4). Default 'fast'. */
  quality?: VocoderQuality;
  /**
   * The synthesis. Default: the neural vocoder of `quality` when the export has vocoder.onnx; otherwise
   * `plainSourceFilterVocoder` (the same source-filter DSP with fixed aperiodicity, coherent across
   * windows) rather than Griffin-Lim, whose random phases do not join across 64 ms blocks.
   */
  vocoder?: Vocoder;
  /**
   * Samples of already-emitted audio the vocoder re-synthesizes before each block's output (its left
   * context; the vocoder's work is proportional to it, not to the graphs' window). Default 1024.
   */
  synthesisContextSamples?: number;
  /** Crossfade between consecutive blocks' syntheses, samples. Default 128 (8 ms). */
  crossfadeSamples?: number;
  /** Pitch offset in semitones. Default 0. */
  pitchSemitones?: number;
  /** Source ln-F0 statistics known in advance (an enrolled "my voice" profile). Default: running. */
  sourceF0?: F0Stats;
  /**
   * Voiced frames after which the running source statistics are used alone. Before that they are blended
   * with the target's (a prior of this many frames), so the first syllables are not converted from a
   * handful of frames. Default 190 (about 3 s of voicing).
   */
  seedVoicedFrames?: number;
  /** Fixed input gain. Default: running, the gain that brings the loudest peak so far to the training level. */
  inputGain?: number;
  /** Drop a block when compute has fallen behind real time (see the file header). Default true. */
  dropWhenBehind?: boolean;
  /**
   * The compute allowance of the output schedule, ms: a block's output is due this long after the block
   * arrived (it is part of the end-to-end latency). A block that waited `lag` behind earlier ones is
   * dropped when lag + its expected compute (median of the last 16) would pass the allowance. Default:
   * the block duration.
   */
  computeAllowanceMs?: number;
  /** Match the output level to the input's running level (slow, per block, ramped). Default true. */
  matchLevel?: boolean;
  /**
   * Which graphs convert: 'streaming' (the export's causal pair, when it ships them) or 'offline' (the
   * file-conversion graphs over the window). Default 'streaming', falling back to 'offline' when absent.
   */
  graphs?: StreamGraphs;
}

/** The graph pair a stream runs (see StreamOptions.graphs). */
export type StreamGraphs = 'streaming' | 'offline';

/**
 * The default block, lookahead and context of each graph pair (scripts/stream-quality.ts measures how close
 * the streamed output stays to the same pair converting the whole clip, 30 s of speech; scripts/stream-bench.ts
 * the latency):
 * - streaming: 32 ms blocks and 0.25 s of context (its convolutions' reach; 1 s changes nothing). The pair
 *   reads 3 frames ahead, so at a lookahead of 2 (the analysis window's minimum) its newest final frame still
 *   sees provisional mel frames: log-mel L1 to the whole-clip conversion 0.23 at lookahead 2, 0.17 at 3, 0.15
 *   at 4 or 5, with the verifier's cosine to the target the same (0.55-0.58). Lookahead 2 is the default because
 *   each frame costs 16 ms and 3 would put the default over the 150 ms budget (measured 148 vs 135 ms);
 * - offline: the file-conversion graphs need about 1 s of context for their instance normalization (0.5 s
 *   doubles the difference to the whole clip: log-mel L1 0.41 -> 0.66), so blocks of 64 ms keep the
 *   per-block compute in budget.
 */
export const STREAM_DEFAULTS = {
  streaming: { blockMs: 32, lookaheadFrames: 2, contextSeconds: 0.25 },
  offline: { blockMs: 64, lookaheadFrames: 3, contextSeconds: 1 },
} as const satisfies Record<StreamGraphs, StreamOptions>;

/** The resolved options plus the derived latency figures. */
export interface StreamConfig {
  blockSamples: number;
  lookaheadFrames: number;
  contextFrames: number;
  crossfadeSamples: number;
  quality: VocoderQuality;
  vocoderKind: string;
  /** The graph pair in use; 'offline' also when streaming ones were asked for but the export lacks them. */
  graphs: StreamGraphs;
  /** D: samples between the newest input sample and the newest emitted output position. */
  delaySamples: number;
  /** Of D: the lookahead (lookaheadFrames * hop). */
  lookaheadSamples: number;
  /** Of D: the synthesis-window overlap (n_fft/2 - hop: the first non-final frame's window reaches that far back). */
  synthesisOverlapSamples: number;
  /** block + D: how far an input sample is behind when it leaves (before compute, device and transport). */
  algorithmicSamples: number;
  /** Window length given to the graphs, samples. */
  windowSamples: number;
}

/** One slow block: its index, total compute and per-stage milliseconds. */
export interface BlockSpike {
  block: number;
  /** performance.now() when the block started. */
  at: number;
  ms: number;
  stages: Record<string, number>;
}

/** How many slow blocks `StreamStats.spikes` keeps. */
export const MAX_SPIKES = 64;

/** Per-stream counters. */
export interface StreamStats {
  blocks: number;
  processed: number;
  dropped: number;
  /** Processed blocks whose compute exceeded the block duration (the stream fell behind real time). */
  deadlineMisses: number;
  /** Processed blocks whose output came after the compute allowance (queue wait + compute). */
  late: number;
  /** The compute allowance in use, ms. */
  computeAllowanceMs: number;
  /** Compute ms of the most recent processed blocks (push to result; at most RECENT_BLOCKS). */
  computeMs: number[];
  /** Compute ms of every processed block, as a histogram (bounded memory for hours of streaming). */
  compute: ComputeHistogram;
  /** Milliseconds per stage summed over processed blocks (f0 includes history upkeep). */
  stageMs: Record<string, number>;
  /**
   * The slowest blocks over three quarters of the block duration (at most MAX_SPIKES, the slowest kept):
   * which stage took the time, and when, so deadline misses can be told apart (a stage's own cost, a
   * garbage collection, the OS taking the core).
   */
  spikes: BlockSpike[];
  /** Current input gain and output gain. */
  inputGain: number;
  outputGain: number;
  /** Running source ln-F0 statistics in use (null until any voiced frame). */
  sourceF0: (F0Stats & { voicedFrames: number }) | null;
}

/** Default aperiodicity of the plain source-filter: low in the low bands, rising towards 8 kHz. */
function plainAperiodicity(frames: number, voiced: ArrayLike<number>): Float32Array {
  const out = new Float32Array(80 * frames);
  for (let b = 0; b < 80; b++) {
    const x = b / 79;
    const a = Math.min(1, 0.1 + 0.7 * x * x);
    for (let t = 0; t < frames; t++) out[b * frames + t] = voiced[t] > 0.5 ? a : 1;
  }
  return out;
}

/**
 * The source-filter synthesis without vocoder.onnx: a fixed aperiodicity profile and the default detail.
 * Coherent (phase and noise keyed by absolute position) like the neural vocoder, which replaces it when an
 * export ships vocoder.onnx.
 */
export function plainSourceFilterVocoder(passes = 1): Vocoder {
  return {
    kind: 'neural',
    coherent: true,
    async vocode(input: VocoderInput): Promise<VocodedAudio> {
      const t0 = performance.now();
      const audio = sourceFilter(input.logMel, input.frames, input.pitchHz, input.voiced, plainAperiodicity(input.frames, input.voiced), {
        passes,
        length: input.length,
        phase0: input.phase0,
        startSample: input.startSample,
      });
      return { audio, ms: performance.now() - t0 };
    },
  };
}

/** The streaming synthesis a quality gets: the neural vocoder when the export has it, else the plain source-filter. */
export function streamVocoder(model: VoiceModel, quality: VocoderQuality): { vocoder: Vocoder; kind: string } {
  const v = vocoderFor(quality, model);
  if (v.coherent) return { vocoder: v, kind: `neural-${quality}` };
  const passes = Math.max(1, QUALITY[quality].passes);
  return { vocoder: plainSourceFilterVocoder(passes), kind: `source-filter-plain-${passes}pass` };
}

/**
 * Runs a few blocks through a throwaway converter, so that a stream's first real blocks do not pay
 * onnxruntime's first-run cost (~200 ms, which would count as a miss or a drop), its first run of each
 * shape the step graphs see while a stream starts (their inputs grow over the first blocks), nor the JIT's
 * first pass over the voiced synthesis path: the blocks are a voiced 140 Hz harmonic tone, then a pause,
 * then the tone again (a near-silent warm-up left the harmonic synthesis cold: a 23 ms vocoder stage in
 * a stream's third block).
 */
export async function warmUpStreaming(model: VoiceModel, target: TargetVoice, options: StreamOptions = {}): Promise<void> {
  const warm = new StreamingConverter(model, target, options);
  try {
    const n = warm.config.blockSamples;
    const block = new Float32Array(n);
    for (let k = 0; k < 16; k++) {
      const voiced = k < 6 || k >= 10;
      for (let i = 0; i < n; i++) {
        const t = (k * n + i) / MODEL_RATE;
        let v = 0;
        if (voiced) for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * 140 * h * t) / h;
        block[i] = voiced ? 0.12 * v : 0.001 * Math.sin(i / 7);
      }
      await warm.push(block);
    }
  } finally {
    warm.dispose();
  }
}

/** Resolves options into the block/lookahead/delay figures (no model needed). */
export function streamConfig(options: StreamOptions = {}, vocoderKind = 'unknown', graphs: StreamGraphs = 'offline'): StreamConfig {
  const dflt = STREAM_DEFAULTS[graphs];
  const blockFrames = Math.max(1, Math.round(((options.blockMs ?? dflt.blockMs) * MODEL_RATE) / 1000 / HOP));
  const blockSamples = blockFrames * HOP;
  const lookaheadFrames = Math.max(2, Math.round(options.lookaheadFrames ?? dflt.lookaheadFrames));
  const contextFrames = Math.max(0, Math.round(((options.contextSeconds ?? dflt.contextSeconds) * MODEL_RATE) / HOP));
  const synthesisOverlapSamples = HALF_WIN - HOP;
  const lookaheadSamples = lookaheadFrames * HOP;
  const delaySamples = lookaheadSamples + synthesisOverlapSamples;
  const crossfadeSamples = Math.max(0, Math.min(Math.round(options.crossfadeSamples ?? 128), delaySamples, blockSamples));
  return {
    blockSamples,
    lookaheadFrames,
    contextFrames,
    crossfadeSamples,
    quality: options.quality ?? 'fast',
    vocoderKind,
    graphs,
    delaySamples,
    lookaheadSamples,
    synthesisOverlapSamples,
    algorithmicSamples: blockSamples + delaySamples,
    windowSamples: (contextFrames + blockFrames + lookaheadFrames) * HOP,
  };
}

/** Per-frame state kept in a ring (only the frames a window can still reach). */
class FrameRing {
  readonly logF0: Float32Array;
  readonly voiced: Float32Array;
  readonly conv: Float32Array;
  readonly hz: Float64Array;
  /** Unfloored ln mel of the raw (ungained) input, frame-major [cap][80]. */
  readonly mel: Float32Array;
  constructor(readonly cap: number) {
    this.mel = new Float32Array(cap * 80);
    this.logF0 = new Float32Array(cap);
    this.voiced = new Float32Array(cap);
    this.conv = new Float32Array(cap);
    this.hz = new Float64Array(cap);
  }
  idx(f: number): number {
    return f % this.cap;
  }
}

/**
 * A live stream's converter. Feed it blocks of 16 kHz mono audio with `push`; each call returns the
 * converted samples that became final (one block out per block in). The returned stream is `delaySamples`
 * behind the input stream (the first `delaySamples` are silence); `flush` returns the rest, so the whole
 * output is inputLength + delaySamples long and `.subarray(delaySamples)` lines up with the input.
 */
export class StreamingConverter {
  readonly config: StreamConfig;
  private readonly model: VoiceModel;
  private readonly target: TargetVoice;
  private readonly vocoder: Vocoder;
  /** Log-mel without the contract's floor (applied after the gain, see melWindow). */
  private readonly mel = new LogMelExtractor({ logFloor: 1e-12 });
  /** Frames [0, melDone) have their final log-mel in the ring. */
  private melDone = 0;
  private readonly opts: StreamOptions;
  /** Raw input history: the last `hist.length` samples up to `received`. */
  private readonly hist: Float32Array;
  private received = 0;
  /** Input not yet a whole block. */
  private pending: Float32Array;
  private pendingLen = 0;
  private readonly frames: FrameRing;
  /** Frames [0, f0Done) have a final pitch. */
  private f0Done = 0;
  /** Pulse-phase sum (samples * Hz, mod SR) over frames [0, phaseFrame). */
  private phaseSum = 0;
  private phaseFrame = 0;
  private lastVoicedHz: number;
  /** Running sums of voiced ln F0. */
  private sN = 0;
  private sS = 0;
  private sS2 = 0;
  private peak = 0;
  /** Previous synthesis beyond the last emitted sample (for the crossfade); null after a drop / at start. */
  private tail: Float32Array | null = null;
  private readonly tailBuf: Float32Array;
  /**
   * Per-stream work buffers, each valid until the next take of its key (the reason is src/dsp/scratch.ts's:
   * fresh typed arrays every 32 ms make V8 collect often). Only for data a block uses and drops; never for
   * what `push` returns.
   */
  private readonly work = new BufferPool((n) => new Float32Array(n));
  /** Absolute input position of the next output sample. */
  private outPos: number;
  private lagMs = 0;
  private outGain = NaN;
  private inEnergy = 0;
  private outEnergy = 0;
  private disposed = false;
  private flushed = false;
  private readonly synthContext: number;
  private lastSourceStats: (F0Stats & { voicedFrames: number }) | null = null;
  /** Running content statistics (an encoder with a running content norm only); frames [0, contentDone) are in. */
  private readonly contentStats: ChannelStats | null;
  private contentDone = 0;
  /** The step graphs' state (stepped streams only) and the first mel frame not yet in it. */
  private readonly step: StepState | null;
  private stepDone = 0;
  /** Final decoder frames of a stepped stream, frame-major, tagged with their absolute frame. */
  private readonly outMel: Float32Array;
  private readonly outMelTag: Int32Array;
  readonly stats: StreamStats;

  constructor(model: VoiceModel, target: TargetVoice, options: StreamOptions = {}) {
    const chosen = options.vocoder ? { vocoder: options.vocoder, kind: options.vocoder.kind } : streamVocoder(model, options.quality ?? 'fast');
    const streaming = options.graphs === 'offline' ? null : model.streaming();
    this.config = streamConfig(options, chosen.kind, streaming ? 'streaming' : 'offline');
    this.vocoder = chosen.vocoder;
    this.model = streaming?.model ?? model;
    this.contentStats = this.model.runningContentNorm ? new ChannelStats(this.model.contentChannels) : null;
    this.step = this.model.stepGraphs ? this.model.newStepState() : null;
    this.target = target;
    this.opts = options;
    this.hist = new Float32Array(this.config.windowSamples + 8 * HOP);
    this.pending = new Float32Array(this.config.blockSamples);
    this.frames = new FrameRing(this.config.contextFrames + this.config.lookaheadFrames + 64 + Math.ceil(this.config.blockSamples / HOP) * 2);
    this.outMel = new Float32Array(this.step ? this.frames.cap * 80 : 0);
    this.tailBuf = new Float32Array(this.config.crossfadeSamples);
    this.outMelTag = new Int32Array(this.step ? this.frames.cap : 0).fill(-1);
    this.lastVoicedHz = Number.isFinite(target.f0.mean) ? Math.exp(target.f0.mean) : DEFAULT_F0;
    this.outPos = -this.config.delaySamples;
    this.synthContext = Math.max(0, Math.round(options.synthesisContextSamples ?? 1024));
    this.stats = { blocks: 0, processed: 0, dropped: 0, deadlineMisses: 0, late: 0, computeAllowanceMs: options.computeAllowanceMs ?? (this.config.blockSamples * 1000) / MODEL_RATE, computeMs: [], compute: new ComputeHistogram(), stageMs: {}, spikes: [], inputGain: 1, outputGain: 1, sourceF0: null };
  }

  /** Block duration in ms. */
  get blockMs(): number {
    return (this.config.blockSamples * 1000) / MODEL_RATE;
  }

  /**
   * Feeds audio (any length). Returns the output of every block completed by it (a multiple of the block
   * length; possibly empty).
   */
  async push(input: Float32Array): Promise<Float32Array> {
    if (this.disposed || this.flushed) throw new Error('The stream is closed.');
    const B = this.config.blockSamples;
    const outs: Float32Array[] = [];
    let i = 0;
    while (i < input.length) {
      const k = Math.min(B - this.pendingLen, input.length - i);
      this.pending.set(input.subarray(i, i + k), this.pendingLen);
      this.pendingLen += k;
      i += k;
      if (this.pendingLen === B) {
        outs.push(await this.block(this.pending));
        this.pendingLen = 0;
      }
    }
    if (outs.length === 1) return outs[0];
    const out = new Float32Array(outs.length * B);
    outs.forEach((o, j) => out.set(o, j * B));
    return out;
  }

  /**
   * Ends the stream: pads the last partial block with silence and runs silent blocks until every input
   * sample has left. Returns the remaining output (total output = input + delaySamples).
   */
  async flush(): Promise<Float32Array> {
    if (this.disposed || this.flushed) throw new Error('The stream is closed.');
    const total = this.received + this.pendingLen;
    const end = total + this.config.delaySamples; // output stream length wanted
    const emittedBefore = this.received; // output samples already returned (one per input sample of whole blocks)
    const outs: Float32Array[] = [];
    const B = this.config.blockSamples;
    if (this.pendingLen > 0) {
      this.pending.fill(0, this.pendingLen);
      this.pendingLen = 0;
      outs.push(await this.block(this.pending, true));
    }
    const zero = new Float32Array(B);
    while (this.received < end) outs.push(await this.block(zero, true));
    this.flushed = true;
    const out = new Float32Array(end - emittedBefore);
    let o = 0;
    for (const x of outs) {
      const k = Math.min(x.length, out.length - o);
      out.set(x.subarray(0, k), o);
      o += k;
    }
    return out;
  }

  /** Releases buffers (the model belongs to the engine). */
  dispose(): void {
    this.disposed = true;
    this.tail = null;
  }

  /** The source statistics convertLogF0 gets now. */
  private sourceStats(): F0Stats & { voicedFrames: number } {
    if (this.opts.sourceF0) return { ...this.opts.sourceF0, voicedFrames: Number.MAX_SAFE_INTEGER };
    const tgt = this.target.f0;
    const n0 = this.opts.seedVoicedFrames ?? 190;
    if (this.sN === 0) return { mean: tgt.mean, std: tgt.std, voicedFrames: MIN_VOICED_FRAMES };
    const mean = this.sS / this.sN;
    const varRun = Math.max(0, this.sS2 / this.sN - mean * mean);
    if (this.sN >= n0) return { mean, std: Math.sqrt(varRun), voicedFrames: this.sN };
    // blend with the target's statistics as a prior worth (n0 - n) frames
    const w = this.sN / n0;
    const m = w * mean + (1 - w) * tgt.mean;
    const v = w * (varRun + (mean - m) ** 2) + (1 - w) * (tgt.std ** 2 + (tgt.mean - m) ** 2);
    return { mean: m, std: Math.sqrt(v), voicedFrames: Math.max(MIN_VOICED_FRAMES, this.sN) };
  }

  private gain(): number {
    if (this.opts.inputGain !== undefined) return this.opts.inputGain;
    return this.peak > 0 ? Math.min(MAX_INPUT_GAIN, TRAINING_PEAK / this.peak) : 1;
  }

  /** Input samples [a, b) (absolute) from the history, zeros before 0, in the work buffer `key`. */
  private slice(a: number, b: number, key: string): Float32Array {
    const out = this.work.take(key, b - a);
    const h = this.hist.length;
    const first = this.received - h; // absolute index of hist[0]
    if (a < 0) out.fill(0, 0, Math.min(b, 0) - a);
    for (let i = Math.max(a, 0); i < b; i++) out[i - a] = this.hist[i - first];
    return out;
  }

  /**
   * The content of the window [fw0, fw0 + frames). An encoder with a running content norm (manifest
   * contentNorm) gets it here: the frames that became final join the running per-channel statistics, and the
   * whole window is normalized by them (by its own statistics before any frame is final).
   */
  private async windowContent(mel: Float32Array, fw0: number, frames: number): Promise<Float32Array> {
    const stats = this.contentStats;
    if (!stats) return this.model.content(mel, frames);
    const c = await this.model.rawContent(mel, frames);
    const finalEnd = fw0 + frames - this.config.lookaheadFrames;
    const from = Math.max(this.contentDone, fw0);
    if (finalEnd > from) {
      stats.add(c, frames, from - fw0, finalEnd - fw0);
      this.contentDone = finalEnd;
    }
    if (stats.count > 0) stats.normalize(c, frames);
    else instanceNormalize(c, stats.channels, frames);
    return c;
  }

  /** YIN of the frames whose analysis window is complete; pitch converted and frozen. */
  private trackPitch(gain: number): void {
    const N = this.received;
    const ready = Math.floor((N - HALF_WIN) / HOP) + 1; // frames f with f*HOP + 512 <= N
    if (ready <= this.f0Done) return;
    const a = Math.max(0, this.f0Done * HOP - 4 * HOP);
    const seg = this.slice(a, N, 'pitch');
    if (gain !== 1) for (let i = 0; i < seg.length; i++) seg[i] *= gain;
    const tr = f0Yin(seg);
    const off = a / HOP;
    const fr = this.frames;
    for (let f = this.f0Done; f < ready; f++) {
      const j = fr.idx(f);
      const lf = tr.logF0[f - off];
      const v = tr.voiced[f - off];
      fr.logF0[j] = lf;
      fr.voiced[j] = v;
      if (v > 0.5) {
        this.sN++;
        this.sS += lf;
        this.sS2 += lf * lf;
      }
      const st = this.sourceStats();
      this.lastSourceStats = st;
      const c = convertLogF0([lf], [v], st, this.target.f0, this.opts.pitchSemitones ?? 0)[0];
      fr.conv[j] = c;
      if (v > 0.5) this.lastVoicedHz = Math.exp(c);
      fr.hz[j] = this.lastVoicedHz; // unvoiced frames hold the last voiced pitch (causal)
    }
    this.f0Done = ready;
    // keep the phase sum just behind the oldest frame a synthesis can start at (also through drops)
    const keep = Math.ceil((this.config.delaySamples + this.config.blockSamples + this.synthContext) / HOP) + 4;
    const upTo = this.f0Done - 1 - keep;
    if (upTo > this.phaseFrame) this.phaseAt(upTo);
  }

  /**
   * The log-mel of frames [fw0, fw0 + frames) as the contract defines it for the input times `gain`:
   * frames whose 1024-sample window is complete are computed once and kept (ungained, unfloored), so
   * they equal the offline mel of the whole signal; the last two, whose window reaches past the newest
   * sample, are recomputed each block with reflect padding (the offline edge treatment).
   */
  private melWindow(fw0: number, frames: number, gain: number): Float32Array {
    const N = this.received;
    const ready = Math.floor((N - HALF_WIN) / HOP) + 1;
    const first = Math.max(this.melDone, fw0); // after drops, frames before the window are not needed
    const a = Math.max(0, (first - 2) * HOP);
    const m = this.mel.compute(this.slice(a, N, 'mel'));
    const off = a / HOP;
    const fr = this.frames;
    for (let f = first; f < ready; f++) {
      const j = fr.idx(f) * 80;
      for (let b = 0; b < 80; b++) fr.mel[j + b] = m.data[b * m.frames + f - off];
    }
    this.melDone = Math.max(this.melDone, ready);
    const out = this.work.take('melWindow', 80 * frames);
    const lg = Math.log(gain);
    const floor = Math.log(1e-5);
    for (let t = 0; t < frames; t++) {
      const f = fw0 + t;
      if (f < ready) {
        const j = fr.idx(f) * 80;
        for (let b = 0; b < 80; b++) out[b * frames + t] = Math.max(floor, fr.mel[j + b] + lg);
      } else {
        for (let b = 0; b < 80; b++) out[b * frames + t] = Math.max(floor, m.data[b * m.frames + f - off] + lg);
      }
    }
    return out;
  }

  /** Pulse phase at the start of frame `f` (f <= f0Done - 1). */
  private phaseAt(f: number): number {
    const fr = this.frames;
    if (f < this.phaseFrame) throw new Error(`pulse phase asked for frame ${f} behind ${this.phaseFrame}`);
    while (this.phaseFrame < f) {
      const t = this.phaseFrame;
      this.phaseSum = (this.phaseSum + framePhaseSum(fr.hz[fr.idx(t)], fr.hz[fr.idx(t + 1)])) % MODEL_RATE;
      this.phaseFrame++;
    }
    return (2 * Math.PI * this.phaseSum) / MODEL_RATE;
  }

  /** Converted pitch of frames [first, first + frames): final frames as tracked, later ones hold the newest final. */
  private pitchFrames(first: number, frames: number): { lf0: Float32Array; vuv: Float32Array; hz: Float64Array } {
    const fr = this.frames;
    const lastFinal = this.f0Done - 1;
    const lf0 = new Float32Array(frames);
    const vuv = new Float32Array(frames);
    const hz = new Float64Array(frames);
    for (let t = 0; t < frames; t++) {
      const j = fr.idx(Math.min(first + t, lastFinal));
      lf0[t] = fr.conv[j];
      vuv[t] = fr.voiced[j];
      hz[t] = fr.hz[j];
    }
    return { lf0, vuv, hz };
  }

  /**
   * The window path (graphs without state): mel, encoder and decoder over [left context + block + lookahead]
   * ending at the newest sample; returns the decoded frames from the vocoder's first frame on.
   */
  private async windowFrames(N: number, gain: number, outStart: number, lap: (stage: string) => void): Promise<{ mel: Float32Array; first: number; frames: number }> {
    const s0 = Math.max(0, N - this.config.windowSamples);
    const fw0 = s0 / HOP;
    const frames = 1 + (N - s0) / HOP;
    const p = this.pitchFrames(fw0, frames);
    const melData = this.melWindow(fw0, frames, gain);
    lap('mel');
    const content = await this.windowContent(melData, fw0, frames);
    lap('contentEncoder');
    const outMel = await this.model.decode(content, this.target.embedding, this.model.f0Input(p.lf0, p.vuv), frames);
    lap('decoder');
    const v0 = Math.max(s0, Math.floor((outStart - this.synthContext) / HOP) * HOP);
    const k0 = (v0 - s0) / HOP;
    const vFrames = frames - k0;
    if (k0 === 0) return { mel: outMel, first: fw0, frames };
    const vMel = new Float32Array(80 * vFrames);
    for (let b = 0; b < 80; b++) vMel.set(outMel.subarray(b * frames + k0, (b + 1) * frames), b * vFrames);
    return { mel: vMel, first: fw0 + k0, frames: vFrames };
  }

  /**
   * The step path: the mel frames from the first one not yet in the graphs' state to the newest run through the
   * step encoder and decoder; those that became final enter the state (and the running content statistics),
   * the decoder's final frames join outMel. Returns the decoded frames from the vocoder's first frame on: kept
   * final frames, then this call's.
   */
  private async stepFrames(N: number, gain: number, outStart: number, lap: (stage: string) => void): Promise<{ mel: Float32Array; first: number; frames: number }> {
    const state = this.step as StepState;
    const newest = N / HOP;
    const ready = this.f0Done; // frames whose analysis window is complete
    // after a long run of dropped blocks, resume from the recent frames (the state then skips a stretch)
    const start = Math.max(this.stepDone, ready - Math.max(1, this.config.contextFrames));
    const n = newest - start + 1;
    const commit = ready - start;
    const mel = this.melWindow(start, n, gain);
    lap('mel');
    const enc = await this.model.contentStep(mel, n, state, commit, start);
    if (this.contentStats) {
      const stats = this.contentStats;
      if (enc.final > 0) stats.add(enc.data, enc.frames, 0, enc.final);
      if (stats.count > 0) stats.normalize(enc.data, enc.frames);
      else instanceNormalize(enc.data, stats.channels, enc.frames);
    }
    lap('contentEncoder');
    const p = this.pitchFrames(enc.start, enc.frames);
    const dec = await this.model.decodeStep(enc.data, this.target.embedding, this.model.f0Input(p.lf0, p.vuv), enc.frames, state, enc.final, enc.start);
    const d0 = dec.start;
    const cap = this.frames.cap;
    for (let t = 0; t < dec.final; t++) {
      const j = (d0 + t) % cap;
      for (let b = 0; b < 80; b++) this.outMel[j * 80 + b] = dec.data[b * dec.frames + t];
      this.outMelTag[j] = d0 + t;
    }
    this.stepDone = ready;
    lap('decoder');
    const first = Math.max(0, Math.floor((outStart - this.synthContext) / HOP));
    const frames = newest - first + 1;
    const out = this.work.take('vocoderMel', 80 * frames);
    for (let t = 0; t < frames; t++) {
      const f = first + t;
      const k = f - d0;
      if (k >= 0) {
        for (let b = 0; b < 80; b++) out[b * frames + t] = dec.data[b * dec.frames + k];
        continue;
      }
      // a kept final frame; one skipped by a drop takes this call's first frame
      const j = f % cap;
      if (this.outMelTag[j] === f) for (let b = 0; b < 80; b++) out[b * frames + t] = this.outMel[j * 80 + b];
      else for (let b = 0; b < 80; b++) out[b * frames + t] = dec.data[b * dec.frames];
    }
    return { mel: out, first, frames };
  }

  /** One block in, one block out. */
  private async block(block: Float32Array, silentTail = false): Promise<Float32Array> {
    const t0 = performance.now();
    const { blockSamples: B, delaySamples: D, crossfadeSamples: X } = this.config;
    // history
    const h = this.hist.length;
    this.hist.copyWithin(0, B);
    this.hist.set(block, h - B);
    this.received += B;
    if (!silentTail) for (let i = 0; i < B; i++) this.peak = Math.max(this.peak, Math.abs(block[i]));
    const gain = this.gain();
    this.stats.inputGain = gain;
    this.trackPitch(gain);
    this.stats.blocks++;
    const out = new Float32Array(B);
    const outStart = this.outPos;
    this.outPos += B;
    const N = this.received;

    const recent = this.stats.computeMs.slice(-16).sort((p, q) => p - q);
    const expected = recent.length ? recent[recent.length >> 1] : 0;
    const behind = (this.opts.dropWhenBehind ?? true) && this.lagMs > 0 && this.lagMs + expected > this.stats.computeAllowanceMs;
    if (behind || N - D <= 0) {
      if (behind) {
        // drop: the previous tail fades out, the next block fades in
        this.stats.dropped++;
        this.lagMs = Math.max(0, this.lagMs - this.blockMs);
        if (this.tail) for (let i = 0; i < X; i++) out[i] = this.tail[i] * Math.cos((Math.PI / 2) * ((i + 0.5) / X)) ** 2 * this.outGain;
        this.tail = null;
      }
      return out;
    }

    let tm = t0;
    const laps: Record<string, number> = {};
    const lap = (stage: string): void => {
      const now = performance.now();
      this.stats.stageMs[stage] = (this.stats.stageMs[stage] ?? 0) + (now - tm);
      laps[stage] = now - tm;
      tm = now;
    };
    lap('f0');
    // the vocoder needs the frames around the output: from synthesisContext before it to the newest
    const { mel: vMel, first: vf0, frames: vFrames } = this.step ? await this.stepFrames(N, gain, outStart, lap) : await this.windowFrames(N, gain, outStart, lap);
    const v0 = vf0 * HOP;
    const p = this.pitchFrames(vf0, vFrames);
    const { audio } = await this.vocoder.vocode({
      logMel: vMel, frames: vFrames, length: N - v0, logF0: p.lf0, voiced: p.vuv,
      pitchHz: p.hz, phase0: this.phaseAt(vf0), startSample: v0,
    });

    lap('vocoder');
    // emitted: absolute [outStart, outStart + B) = [N - D - B, N - D)
    const seg = this.work.take('segment', B + X);
    for (let i = 0; i < B + X; i++) {
      const p = outStart + i - v0;
      seg[i] = p >= 0 && p < audio.length ? audio[p] : 0;
    }
    // level: slow running match of output to input (in the active parts)
    const g0 = Number.isFinite(this.outGain) ? this.outGain : 1 / gain;
    let g1 = g0;
    if (this.opts.matchLevel ?? true) {
      let ein = 0;
      let eout = 0;
      const src = this.slice(outStart, outStart + B, 'source');
      for (let i = 0; i < B; i++) {
        ein += src[i] * src[i];
        eout += seg[i] * seg[i];
      }
      ein /= B;
      eout /= B;
      if (ein > 1e-7 && eout > 1e-9) {
        const a = this.inEnergy === 0 ? 1 : 0.03; // ~2 s time constant at 64 ms blocks
        this.inEnergy += a * (ein - this.inEnergy);
        this.outEnergy += a * (eout - this.outEnergy);
        g1 = Math.sqrt(this.inEnergy / this.outEnergy);
      }
      g1 = Math.min(10, Math.max(0.05, g1));
    } else g1 = 1;
    if (!Number.isFinite(this.outGain)) this.outGain = g1;
    const gStart = this.outGain;
    for (let i = 0; i < B; i++) {
      const g = gStart + ((g1 - gStart) * (i + 1)) / B;
      let v = seg[i];
      if (i < X) {
        const x = (i + 0.5) / X;
        const fadeIn = Math.sin((Math.PI / 2) * x) ** 2;
        const prev = this.tail ? this.tail[i] * this.outGain : 0;
        v = prev * (1 - fadeIn) + v * g * fadeIn;
      } else v *= g;
      out[i] = Math.max(-1, Math.min(1, v));
    }
    this.outGain = g1;
    this.stats.outputGain = g1;
    this.tail = this.tailBuf;
    this.tail.set(seg.subarray(B, B + X));
    lap('assemble');
    const ms = performance.now() - t0;
    this.stats.processed++;
    this.stats.computeMs.push(ms);
    if (this.stats.computeMs.length > RECENT_BLOCKS) this.stats.computeMs.splice(0, this.stats.computeMs.length - RECENT_BLOCKS);
    this.stats.compute.add(ms);
    if (ms > this.blockMs) this.stats.deadlineMisses++;
    if (ms > 0.75 * this.blockMs) keepSlowest(this.stats.spikes, { block: this.stats.blocks - 1, at: t0, ms, stages: laps }, MAX_SPIKES);
    if (this.lagMs + ms > this.stats.computeAllowanceMs) this.stats.late++;
    this.lagMs = Math.max(0, this.lagMs + ms - this.blockMs);
    this.stats.sourceF0 = this.lastSourceStats;
    return out;
  }
}
