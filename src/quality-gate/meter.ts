// The one definition of the "sounds like" meter (issue 13): how a verifier cosine becomes a calibrated
// same-speaker probability and a verdict, the verdict thresholds, and when the meter is not shown at
// all. The meter exists because the converter grading itself read 1.00 on white noise; so the numbers
// come only from the separately trained verifier (src/model/verifier.ts), and a clip that is not speech
// or that the quality gate rejects gets no verdict (with the reason) rather than a confident-looking one.
// The engine, the CLI, the app and the history all read the figures this file produces.
import type { SpeakerMatch, SimilarityVerdict } from '../api/types.js';
import type { VerifierInfo } from '../model/manifest.js';

/** Verdict thresholds on the calibrated probability. */
export const METER = {
  /** At or above: 'likely'. */
  likelyP: 0.7,
  /** Below: 'unlikely'; between the two: 'unclear'. */
  unlikelyP: 0.3,
  /** Least voiced (pitched) speech, seconds, in the input and in the output for the meter to be shown. */
  minVoicedSeconds: 0.5,
  /**
   * Least spread of ln F0 over the voiced frames (0.01 ~ 1/6 semitone): a steady tone is voiced all
   * through but is not speech, and the verifier has nothing to judge in it.
   */
  minF0Std: 0.01,
} as const;

/** The plain words the UI and the CLI print for each verdict. */
export const VERDICT_WORDS: Record<SimilarityVerdict, string> = { likely: 'likely', unclear: 'unclear', unlikely: 'unlikely' };

/**
 * Same-speaker probability of a verifier cosine, with the manifest's logistic calibration:
 * P = 1 / (1 + exp(-(a * cosine + b))).
 */
export function sameSpeakerProbability(cosine: number, calibration: VerifierInfo['calibration']): number {
  const z = calibration.a * cosine + calibration.b;
  return 1 / (1 + Math.exp(-z));
}

/** The verdict of a probability (METER thresholds). */
export function verdictOf(probability: number): SimilarityVerdict {
  if (probability >= METER.likelyP) return 'likely';
  if (probability < METER.unlikelyP) return 'unlikely';
  return 'unclear';
}

/** A shown reading: the cosine, its probability and verdict, rounded for display and JSON. */
export function reading(cosine: number, calibration: VerifierInfo['calibration']): SpeakerMatch {
  const p = sameSpeakerProbability(cosine, calibration);
  return { cosine: round(cosine, 4), probability: round(p, 3), verdict: verdictOf(p), reason: null };
}

/**
 * A reading that is not shown. The cosine and probability are kept when they were measured (for the
 * JSON and for diagnosis), but there is no verdict and the UI shows the reason instead.
 */
export function notShown(reason: string, measured?: { cosine: number; calibration: VerifierInfo['calibration'] }): SpeakerMatch {
  if (!measured || !Number.isFinite(measured.cosine)) return { cosine: null, probability: null, verdict: null, reason };
  return { cosine: round(measured.cosine, 4), probability: round(sameSpeakerProbability(measured.cosine, measured.calibration), 3), verdict: null, reason };
}

/**
 * Whether a clip holds enough speech for the meter, from its pitch track: enough voiced seconds, and a
 * pitch that moves (a steady tone does not).
 * @returns null when it does, else the reason in plain words
 * @param what 'input' or 'result', for the sentence
 */
export function speechProblem(voicedSeconds: number, f0Std: number, what: 'input' | 'result'): string | null {
  if (!(voicedSeconds >= METER.minVoicedSeconds)) {
    return `The ${what} has too little voiced speech (${voicedSeconds.toFixed(1)} s) to judge whose voice it is.`;
  }
  if (!(f0Std >= METER.minF0Std)) return `The ${what} is a steady tone, not speech, so whose voice it is cannot be judged.`;
  return null;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
