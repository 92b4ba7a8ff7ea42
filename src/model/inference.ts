// Typed calls into the three graphs of the autoencoder (DESIGN §4), over a SessionRegistry:
// content encoder, speaker encoder and decoder, plus the decoder's f0 input built from a log-F0
// track. Arrays are band-major [channels][T], the layout of an ONNX [1, channels, T] tensor.
import { ApiError } from '../api/errors.js';
import { instanceNormalize } from './content-norm.js';
import type { Manifest } from './manifest.js';
import type { SessionRegistry } from './session-registry.js';
import type * as ort from 'onnxruntime-node';

/** Which content path the model uses: the continuous bottleneck or the discrete (VQ) one, when exported. */
export type ContentVariant = 'continuous' | 'vq';

/**
 * The streaming (live-mode) pair: causal convolutions with a few frames of lookahead, per-frame norms, exported as
 * step graphs that carry each convolution's last input frames from call to call (ModelFileEntry.state).
 */
export const STREAMING_GRAPHS = { encoder: 'content_encoder_stream', decoder: 'decoder_stream' } as const;

/**
 * What a stream's step graphs carry between calls (zeros at the start of a stream: see VoiceModel.newStepState);
 * each step overwrites the arrays in place.
 */
export interface StepState {
  encoder: Float32Array;
  decoder: Float32Array;
}

/** A step call's output (see VoiceModel.contentStep): `frames` frames band-major from absolute frame `start`. */
export interface StepOutput {
  data: Float32Array;
  frames: number;
  /** The absolute frame of the first output: the call's start minus the graph's lookahead, not before 0. */
  start: number;
  /** How many of the first outputs are final (they depend only on committed inputs). */
  final: number;
}

/** A step graph's state shape (ModelFileEntry.state), its size and its lookahead. */
interface StepShape {
  channels: number;
  frames: number;
  size: number;
  lookahead: number;
}

/**
 * Applies a step graph's `next_state` (the last `d` frames of each channel's new state, [channels][d]) to the
 * stream's state [channels][frames] in place: each channel shifts left by d and takes the new frames at its end.
 * The graphs return only the change because onnxruntime-node hands every output back in a fresh buffer, and in
 * live mode that allocation volume is what drives V8's collections (see stream_step.py).
 */
export function shiftInState(state: Float32Array, delta: Float32Array, channels: number, frames: number, d: number): void {
  if (d === 0) return;
  for (let c = 0; c < channels; c++) {
    const o = c * frames;
    state.copyWithin(o, o + d, o + frames);
    // a loop, not set(subarray()): a view per channel would be thousands of small objects a block
    for (let i = 0, j = o + frames - d, k = c * d; i < d; i++) state[j + i] = delta[k + i];
  }
}

/** The step shape of graph `name`, or null for a whole-utterance graph. */
function stepShape(manifest: Manifest, name: string): StepShape | null {
  const e = manifest.models[name];
  if (!e?.state) return null;
  return { ...e.state, size: e.state.channels * e.state.frames, lookahead: e.lookaheadFrames ?? 0 };
}

/** The autoencoder's three calls. */
export class VoiceModel {
  readonly registry: SessionRegistry;
  readonly manifest: Manifest;
  readonly embeddingDim: number;
  readonly contentChannels: number;
  readonly variant: ContentVariant;
  private readonly encoderName: string;
  private readonly decoderName: string;
  /** The encoder's and decoder's step-graph shapes (null: whole-utterance graphs), read once from the manifest. */
  private readonly encoderStep: StepShape | null;
  private readonly decoderStep: StepShape | null;

  /**
   * @param variant content path. Default 'continuous'. 'vq' uses content_encoder_vq / decoder_vq (the
   *   speaker encoder is shared); it fails with MODEL_ERROR at first use when the export lacks them.
   */
  constructor(registry: SessionRegistry, variant: ContentVariant = 'continuous', graphs?: { encoder: string; decoder: string }) {
    this.registry = registry;
    this.manifest = registry.manifest;
    this.embeddingDim = registry.manifest.embeddingDim;
    this.contentChannels = registry.manifest.contentChannels;
    this.variant = variant;
    this.encoderName = graphs?.encoder ?? (variant === 'vq' ? 'content_encoder_vq' : 'content_encoder');
    this.decoderName = graphs?.decoder ?? (variant === 'vq' ? 'decoder_vq' : 'decoder');
    this.encoderStep = stepShape(this.manifest, this.encoderName);
    this.decoderStep = stepShape(this.manifest, this.decoderName);
  }

  /**
   * The same model over the streaming graphs (STREAMING_GRAPHS) when the export ships them, else null. They
   * share the speaker encoder and its embeddings; their outputs depend only on the past and `lookaheadFrames`
   * frames of future, so a live stream's frames are final after that many frames.
   */
  streaming(): { model: VoiceModel; lookaheadFrames: number } | null {
    const { encoder, decoder } = STREAMING_GRAPHS;
    if (!this.registry.has(encoder) || !this.registry.has(decoder)) return null;
    const m = this.manifest.models;
    return {
      model: new VoiceModel(this.registry, 'continuous', STREAMING_GRAPHS),
      lookaheadFrames: (m[encoder].lookaheadFrames ?? 0) + (m[decoder].lookaheadFrames ?? 0),
    };
  }

  /**
   * Content codes of a raw log-mel.
   * @param mel band-major [80][frames]
   * @returns band-major [C][frames]
   */
  async content(mel: Float32Array, frames: number): Promise<Float32Array> {
    const c = await this.rawContent(mel, frames);
    if (this.runningContentNorm) instanceNormalize(c, c.length / frames, frames);
    return c;
  }

  /**
   * The content encoder's output as is: for an encoder with `contentNorm: 'running'` before the per-channel
   * normalization over time, which a live stream applies with running statistics (ChannelStats).
   */
  async rawContent(mel: Float32Array, frames: number): Promise<Float32Array> {
    const step = this.encoderStep;
    if (step) {
      // a step graph over the whole clip: one call from a zero state, every frame final
      const state = { encoder: new Float32Array(step.size), decoder: new Float32Array(0) };
      return (await this.contentStep(mel, frames, state, frames, 0)).data;
    }
    const out = await this.registry.run(this.encoderName, { mel: [mel, [1, 80, frames]] });
    const t = out.content;
    if (!t || t.dims[2] !== frames) throw new ApiError('MODEL_ERROR', 'The content encoder returned an unexpected shape.');
    return t.data as Float32Array;
  }

  /** Whether this model's pair runs as step graphs (the streaming pair of a current export). */
  get stepGraphs(): boolean {
    return this.encoderStep !== null && this.decoderStep !== null;
  }

  /** The state a stream starts from (the whole-clip graphs' zero padding before the first frame). */
  newStepState(): StepState {
    const e = this.encoderStep;
    const d = this.decoderStep;
    if (!e || !d) throw new ApiError('MODEL_ERROR', 'The streaming graphs of this export are not step graphs. Re-export the models.');
    return { encoder: new Float32Array(e.size), decoder: new Float32Array(d.size) };
  }

  /**
   * One step of the content encoder: `frames` new mel frames at absolute frames start.. (start >= 0), the first
   * `commit` final (they enter `state`, updated in place), the rest provisional. Returns the content, raw
   * (before a running content norm), of the frames from start - lookahead (not before 0) to the newest input.
   */
  async contentStep(mel: Float32Array, frames: number, state: StepState, commit: number, start: number): Promise<StepOutput> {
    const s = this.encoderStep;
    if (!s) throw new ApiError('MODEL_ERROR', 'The content encoder is not a step graph.');
    const out = await this.registry.run(this.encoderName, {
      mel: [mel, [1, 80, frames]],
      state: [state.encoder, [1, s.channels, s.frames]],
      commit: [Float32Array.of(commit), [1]],
      start: [Float32Array.of(start), [1]],
    });
    return this.stepOutput(out.content, out.next_state, s, frames, commit, start, state.encoder, 'content encoder');
  }

  /**
   * One step of the decoder over content frames at absolute frames start.. (the first `commit` final), with
   * their f0 input [2][frames]. Returns the raw log-mel of the frames from start - lookahead (not before 0) to
   * the newest input; `state` is updated in place.
   */
  async decodeStep(content: Float32Array, embedding: Float32Array, f0: Float32Array, frames: number, state: StepState, commit: number, start: number): Promise<StepOutput> {
    const s = this.decoderStep;
    if (!s) throw new ApiError('MODEL_ERROR', 'The decoder is not a step graph.');
    const out = await this.registry.run(this.decoderName, {
      content: [content, [1, content.length / frames, frames]],
      embedding: [embedding, [1, embedding.length]],
      f0: [f0, [1, 2, frames]],
      state: [state.decoder, [1, s.channels, s.frames]],
      commit: [Float32Array.of(commit), [1]],
      start: [Float32Array.of(start), [1]],
    });
    return this.stepOutput(out.mel, out.next_state, s, frames, commit, start, state.decoder, 'decoder');
  }

  private stepOutput(t: ort.Tensor | undefined, next: ort.Tensor | undefined, s: StepShape, frames: number, commit: number, start: number, into: Float32Array, what: string): StepOutput {
    const skip = Math.min(s.lookahead, Math.max(0, s.lookahead - start)); // outputs before frame 0 are not returned
    const n = frames + s.lookahead - skip;
    const d = Math.min(commit, s.frames);
    if (!t || t.dims[2] !== n || !next || next.data.length !== s.channels * d) {
      throw new ApiError('MODEL_ERROR', `The streaming ${what} returned an unexpected shape.`);
    }
    shiftInState(into, next.data as Float32Array, s.channels, s.frames, d);
    return { data: t.data as Float32Array, frames: n, start: start - s.lookahead + skip, final: Math.max(0, commit - skip) };
  }

  /** Whether the encoder leaves the content's normalization over time to the caller (manifest contentNorm). */
  get runningContentNorm(): boolean {
    return this.manifest.models[this.encoderName]?.contentNorm === 'running';
  }

  /**
   * L2-normalized speaker embedding of a raw log-mel.
   * @returns [D]
   */
  async embed(mel: Float32Array, frames: number): Promise<Float32Array> {
    const out = await this.registry.run('speaker_encoder', { mel: [mel, [1, 80, frames]] });
    const t = out.embedding;
    if (!t || t.dims[1] !== this.embeddingDim) throw new ApiError('MODEL_ERROR', 'The speaker encoder returned an unexpected shape.');
    return Float32Array.from(t.data as Float32Array);
  }

  /**
   * Raw log-mel from content codes, a speaker embedding and the f0 input.
   * @param content band-major [C][frames]
   * @param f0 [2][frames] from `f0Input`
   * @returns band-major [80][frames]
   */
  async decode(content: Float32Array, embedding: Float32Array, f0: Float32Array, frames: number): Promise<Float32Array> {
    const step = this.decoderStep;
    if (step) {
      const state = { encoder: new Float32Array(0), decoder: new Float32Array(step.size) };
      return (await this.decodeStep(content, embedding, f0, frames, state, frames, 0)).data;
    }
    const c = content.length / frames;
    const out = await this.registry.run(this.decoderName, {
      content: [content, [1, c, frames]],
      embedding: [embedding, [1, embedding.length]],
      f0: [f0, [1, 2, frames]],
    });
    const t = out.mel;
    if (!t || t.dims[2] !== frames) throw new ApiError('MODEL_ERROR', 'The decoder returned an unexpected shape.');
    return t.data as Float32Array;
  }

  /**
   * The decoder's f0 input [2][frames]: channel 0 = voiced ? (lnF0 - center) / scale : 0, channel 1 = voiced flag.
   * @param logF0 ln Hz per frame (ignored where unvoiced)
   */
  f0Input(logF0: ArrayLike<number>, voiced: ArrayLike<number>): Float32Array {
    const n = logF0.length;
    const { center, scale } = this.manifest.f0Input;
    const out = new Float32Array(2 * n);
    for (let t = 0; t < n; t++) {
      const v = voiced[t] > 0.5;
      out[t] = v ? (logF0[t] - center) / scale : 0;
      out[n + t] = v ? 1 : 0;
    }
    return out;
  }
}
