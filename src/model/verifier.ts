// The speaker verifier (DESIGN §4 verifier.onnx): a network trained apart from the converter that maps a
// raw log-mel to an L2-normalized speaker embedding. It exists so that "does the result sound like the
// target" is judged by something the converter was never conditioned on. Optional: an export without it
// still converts, and `available` says so. Its session opens on first use (SessionRegistry verifies the
// file's sha256 like every graph).
import { ApiError } from '../api/errors.js';
import type { VerifierInfo } from './manifest.js';
import type { SessionRegistry } from './session-registry.js';

/** Typed calls into verifier.onnx. */
export class SpeakerVerifier {
  readonly registry: SessionRegistry;
  /** The manifest's entry (embedding size, calibration), or null when the export has no usable verifier. */
  readonly info: VerifierInfo | null;

  constructor(registry: SessionRegistry) {
    this.registry = registry;
    this.info = registry.manifest.verifier && registry.has('verifier') ? registry.manifest.verifier : null;
  }

  /** Whether the export has a usable verifier. */
  get available(): boolean {
    return this.info !== null;
  }

  /** Why the verifier is unavailable (a plain sentence), or null when it is available. */
  get unavailableReason(): string | null {
    if (this.info) return null;
    return this.registry.manifest.verifierIssue ?? 'This model export has no speaker verifier, so how much the result sounds like a voice is not measured.';
  }

  /**
   * L2-normalized verifier embedding of a raw log-mel.
   * @param mel band-major [80][frames]
   * @throws ApiError MODEL_ERROR when there is no verifier or it fails
   */
  async embed(mel: Float32Array, frames: number): Promise<Float32Array> {
    if (!this.info) throw new ApiError('MODEL_ERROR', this.unavailableReason!);
    const out = await this.registry.run('verifier', { mel: [mel, [1, 80, frames]] });
    const t = out.embedding;
    if (!t || t.dims[1] !== this.info.embeddingDim) throw new ApiError('MODEL_ERROR', 'The speaker verifier returned an unexpected shape.');
    return Float32Array.from(t.data as Float32Array);
  }
}
