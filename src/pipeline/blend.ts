// Voice design by blending (DESIGN §1): a target made of several voices is the normalized weighted
// sum of their speaker embeddings, re-normalized to unit length; its pitch statistics are the weighted
// means of the voices' ln-F0 means and standard deviations. The verifier embedding (for the meter) is
// blended the same way, and is missing when any voice in the blend lacks one.
import { invalid } from '../api/errors.js';
import type { TargetVoice } from './pipeline.js';
import { normalize } from './similarity.js';
import { blendVerifierTargets } from '../quality-gate/speaker-meter.js';

/** One voice in a blend. */
export interface BlendPart {
  voice: TargetVoice;
  weight: number;
}

/**
 * Blends voices into one target.
 * @throws ApiError INVALID_ARGUMENT when no weight is positive or embeddings differ in size
 */
export function blendVoices(parts: BlendPart[]): TargetVoice {
  const live = parts.filter((p) => p.weight > 0 && Number.isFinite(p.weight));
  if (live.length === 0) throw invalid('At least one voice in the blend needs a weight above zero.');
  const total = live.reduce((s, p) => s + p.weight, 0);
  const dim = live[0].voice.embedding.length;
  const emb = new Float32Array(dim);
  let mean = 0;
  let std = 0;
  for (const { voice, weight } of live) {
    if (voice.embedding.length !== dim) throw invalid('The voices in the blend come from different models.');
    const w = weight / total;
    for (let i = 0; i < dim; i++) emb[i] += w * voice.embedding[i];
    mean += w * voice.f0.mean;
    std += w * voice.f0.std;
  }
  normalize(emb);
  // Opposite embeddings cancel out: fall back to the heaviest voice rather than a zero vector.
  if (emb.every((v) => v === 0)) return live.reduce((a, b) => (b.weight > a.weight ? b : a)).voice;
  const verifier = blendVerifierTargets(live.map((p) => ({ verifier: p.voice.verifier, weight: p.weight })));
  return { embedding: emb, f0: { mean, std }, verifier };
}
