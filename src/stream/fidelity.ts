// How close a streamed output stays to a whole-clip conversion of the same audio (issue 16's "streaming vs
// offline" question inside the engine): the mean log-mel difference over the frames where the reference is
// active. Shared by the streaming tests and scripts/stream-quality.ts so both measure the same thing.
import { LogMelExtractor } from '../dsp/mel.js';

/**
 * Mean |log-mel(y) - log-mel(reference)| (natural-log units, DESIGN §3 features) over the reference's frames
 * within 40 dB of its loudest; frames past the shorter signal are ignored.
 * @param reference the whole-clip conversion
 * @param y the streamed output, aligned with the reference (its delay removed)
 */
export function activeLogMelL1(reference: Float32Array, y: Float32Array): number {
  const mel = new LogMelExtractor();
  const ref = mel.compute(reference);
  const refData = ref.data;
  const m = mel.compute(y);
  const frames = Math.min(ref.frames, m.frames);
  const energy = new Float64Array(ref.frames);
  let emax = 0;
  for (let t = 0; t < ref.frames; t++) {
    for (let b = 0; b < 80; b++) energy[t] += Math.exp(refData[b * ref.frames + t]);
    emax = Math.max(emax, energy[t]);
  }
  let d = 0;
  let n = 0;
  for (let t = 0; t < frames; t++) {
    if (energy[t] < emax * 1e-4) continue;
    for (let b = 0; b < 80; b++) d += Math.abs(m.data[b * m.frames + t] - refData[b * ref.frames + t]);
    n += 80;
  }
  return n > 0 ? d / n : 0;
}
