// The neural vocoder's network (DESIGN §4 vocoder.onnx): per-mel-band aperiodicity and envelope detail
// from a raw log-mel and the decoder's f0 input, and in exports that have it a log-gain correction of the envelope. The synthesis around it (pulse train, noise, band shaping, inverse STFT) is
// src/dsp/source-filter.ts; the seam that picks it or Griffin-Lim is src/pipeline/vocoder.ts. Optional:
// an export without it still converts with Griffin-Lim, and `available` says so.
import { ApiError } from '../api/errors.js';
import type { SessionRegistry } from './session-registry.js';

/** Typed calls into vocoder.onnx. */
export class VocoderGraph {
  readonly registry: SessionRegistry;

  constructor(registry: SessionRegistry) {
    this.registry = registry;
  }

  /** Whether the export has the neural vocoder. */
  get available(): boolean {
    return this.registry.has('vocoder');
  }

  /** Whether the network decides voicing (manifest `synthesis.freeVoicing`): the synthesis then takes its aperiodicity in unvoiced frames too. */
  get freeVoicing(): boolean {
    return this.registry.manifest.models.vocoder?.freeVoicing === true;
  }

  /**
   * The synthesis controls of each mel band and frame: aperiodicity (noise share) and detail (how closely the
   * envelope follows single bands; src/dsp/source-filter.ts), both in [0, 1], and the log-mel the synthesis shapes
   * to: the input plus the graph's `envelope` output (a bounded log-gain, vocoder_net.ENVELOPE_RANGE) where the
   * export has one, else the input itself.
   * @param mel band-major [80][frames] raw log-mel
   * @param f0 [2][frames], VoiceModel.f0Input
   * @returns all band-major [80][frames]
   * @throws ApiError MODEL_ERROR when the export has no vocoder or it fails
   */
  async controls(mel: Float32Array, f0: Float32Array, frames: number): Promise<{ aperiodicity: Float32Array; detail: Float32Array; logMel: Float32Array }> {
    if (!this.available) throw new ApiError('MODEL_ERROR', 'This model export has no neural vocoder; use the classic quality setting.');
    const out = await this.registry.run('vocoder', { mel: [mel, [1, 80, frames]], f0: [f0, [1, 2, frames]] });
    const { aperiodicity: a, detail: d, envelope: e } = out;
    for (const t of e ? [a, d, e] : [a, d]) {
      if (!t || t.dims[1] !== 80 || t.dims[2] !== frames) throw new ApiError('MODEL_ERROR', 'The vocoder returned an unexpected shape.');
    }
    let logMel = mel;
    if (e) {
      const gain = e.data as Float32Array;
      logMel = new Float32Array(mel.length);
      for (let i = 0; i < mel.length; i++) logMel[i] = mel[i] + gain[i];
    }
    return { aperiodicity: a.data as Float32Array, detail: d.data as Float32Array, logMel };
  }
}
