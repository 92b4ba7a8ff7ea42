// Typed calls into the three graphs of the autoencoder (DESIGN §4), over a SessionRegistry:
// content encoder, speaker encoder and decoder, plus the decoder's f0 input built from a log-F0
// track. Arrays are band-major [channels][T], the layout of an ONNX [1, channels, T] tensor.
import { ApiError } from '../api/errors.js';
import { instanceNormalize } from './content-norm.js';
import type { Manifest } from './manifest.js';
import type { SessionRegistry } from './session-registry.js';

/** Which content path the model uses: the continuous bottleneck or the discrete (VQ) one, when exported. */
export type ContentVariant = 'continuous' | 'vq';

/** The streaming (live-mode) pair: causal convolutions with a few frames of lookahead, running normalization. */
export const STREAMING_GRAPHS = { encoder: 'content_encoder_stream', decoder: 'decoder_stream' } as const;

/** The autoencoder's three calls. */
export class VoiceModel {
  readonly registry: SessionRegistry;
  readonly manifest: Manifest;
  readonly embeddingDim: number;
  readonly contentChannels: number;
  readonly variant: ContentVariant;
  private readonly encoderName: string;
  private readonly decoderName: string;

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
    const out = await this.registry.run(this.encoderName, { mel: [mel, [1, 80, frames]] });
    const t = out.content;
    if (!t || t.dims[2] !== frames) throw new ApiError('MODEL_ERROR', 'The content encoder returned an unexpected shape.');
    return t.data as Float32Array;
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
