// The quality setting (VoiceApi `quality`), in one place: what each name means for the vocoder, and the
// Griffin-Lim fallback when an export has no neural vocoder. Measured on held-out real speech and in
// `npm run bench` (models/MODEL_CARD.md, README): 'best' (3 passes, the network trained at 3) beats Griffin-Lim 32
// on resynthesis (MR-STFT, MCD, F0 and voicing error, STOI/ESTOI; word error a tie) and on speaker similarity of
// converted speech, in about a quarter of its time; it loses about 2 words in 100 of converted speech to it (512
// real trials, interval spanning 0); 'fast' is one consistency pass (live mode, previews); 'classic' is the old sound.
import type { VocoderQuality } from '../api/types.js';

/** The quality a conversion gets when the caller does not choose. */
export const DEFAULT_QUALITY: VocoderQuality = 'best';

/** What a quality setting runs. */
export interface QualitySpec {
  /** Source-filter consistency passes of the neural vocoder. */
  passes: number;
  /**
   * Lowest envelope detail of the neural vocoder (the network's detail is raised to it; 0 keeps the network's).
   * 0.6 keeps 2 more words in 100 of converted speech at the same speaker identification (128 real held-out
   * trials, paired) and leaves resynthesis as it was: on real recordings the network predicts about 1.
   * Fast keeps 0: it is live mode's synthesis, whose figures were measured without a floor.
   */
  detailFloor: number;
  /** Griffin-Lim iterations: always for 'classic', and the fallback of the others without vocoder.onnx. */
  griffinLimIterations: number;
  /** Whether the neural vocoder is used when the export has it. */
  neural: boolean;
}

/** Each setting. Griffin-Lim spectral convergence on 10 s of speech: 0.186 / 0.135 at 8 / 32 iterations. */
export const QUALITY: Record<VocoderQuality, QualitySpec> = {
  best: { neural: true, passes: 3, detailFloor: 0.6, griffinLimIterations: 32 },
  fast: { neural: true, passes: 1, detailFloor: 0, griffinLimIterations: 8 },
  classic: { neural: false, passes: 0, detailFloor: 0, griffinLimIterations: 32 },
};
