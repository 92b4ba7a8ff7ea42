// One-shot enrollment: turns someone's speech into a target voice (speaker embedding + ln-F0
// statistics + a short preview). A voice kept in the library needs 3-30 s, since every later
// conversion depends on it; a one-shot conversion accepts a single sentence from about 1 s, with a
// plain warning below 3 s (the real-speech evaluation measures the quality per reference length).
// References that are too short, too long, silent, clipped, mostly noise or without voiced speech are
// refused with a plain reason (ApiError BAD_AUDIO). Used by enrollVoice and by one-shot conversion.
import { ApiError } from '../api/errors.js';
import type { AnalysisReport, AudioData } from '../api/types.js';
import { f0Yin } from '../dsp/f0.js';
import { LogMelExtractor } from '../dsp/mel.js';
import type { VoiceModel } from '../model/inference.js';
import type { SpeakerVerifier } from '../model/verifier.js';
import { analyzeAudio, GATE } from '../quality-gate/analyze.js';
import { inputGain, MODEL_RATE, scaled, throwIfCancelled } from '../pipeline/frames.js';
import type { TargetVoice } from '../pipeline/pipeline.js';
import { f0Stats } from '../pipeline/pitch.js';
import { verifierEmbeddingOf } from '../quality-gate/speaker-meter.js';

/** Limits of a reference clip. */
export const ENROLL_LIMITS = {
  /** Shortest reference kept in the library, seconds. */
  minSeconds: 3,
  /** Shortest reference for a one-shot conversion, seconds (warned about below minSeconds). */
  minConversionSeconds: 1,
  maxSeconds: 30,
  /** Voiced (pitched) speech needed, seconds (half of it for a one-shot conversion reference). */
  minVoicedSeconds: 1,
  /** Clipping refused above this ratio (stricter than the general gate). */
  maxClipping: 0.005,
  /** Preview length, seconds. */
  previewSeconds: 4,
} as const;

/** A reference turned into a voice. */
export interface EnrolledTarget extends TargetVoice {
  /** 16 kHz mono preview, peak-normalized. */
  preview: Float32Array;
  analysis: AnalysisReport;
  /** Plain-language cautions about the reference (e.g. shorter than 3 s); empty when none. */
  warnings: string[];
}

/** What a reference is for: a voice kept in the library, or one conversion. Default 'library'. */
export type ReferencePurpose = 'library' | 'conversion';

/**
 * Checks a reference and computes its voice.
 * @param mono the same audio as 16 kHz mono
 * @param verifier when given (and available), the reference's verifier embedding is computed too, for the meter
 * @throws ApiError BAD_AUDIO with the reason when the reference is unusable
 */
export async function enrollReference(
  model: VoiceModel,
  audio: AudioData,
  mono: Float32Array,
  signal?: AbortSignal,
  purpose: ReferencePurpose = 'library',
  verifier?: SpeakerVerifier,
): Promise<EnrolledTarget> {
  const seconds = audio.channels[0].length / audio.sampleRate;
  const oneShot = purpose === 'conversion';
  const minSeconds = oneShot ? ENROLL_LIMITS.minConversionSeconds : ENROLL_LIMITS.minSeconds;
  if (seconds < minSeconds) {
    const need = oneShot ? `at least ${minSeconds} second of speech (3 s or more sounds closer to the speaker)` : `${ENROLL_LIMITS.minSeconds} to ${ENROLL_LIMITS.maxSeconds} seconds of speech`;
    throw new ApiError('BAD_AUDIO', `The reference is too short (${seconds.toFixed(1)} s): it needs ${need}.`);
  }
  const warnings: string[] = [];
  if (seconds < ENROLL_LIMITS.minSeconds) {
    warnings.push(`The reference is short (${seconds.toFixed(1)} s): the result may sound less like that speaker; 3-10 s of speech work better.`);
  }
  if (seconds > ENROLL_LIMITS.maxSeconds) {
    throw new ApiError('BAD_AUDIO', `The reference is too long (${seconds.toFixed(0)} s): trim it to at most ${ENROLL_LIMITS.maxSeconds} seconds of one person speaking.`);
  }
  const analysis = await analyzeAudio(model, audio, mono, signal);
  if (analysis.peakDb < GATE.silentPeakDb) throw new ApiError('BAD_AUDIO', 'The reference is silent: record someone speaking.');
  if (analysis.clippingRatio > ENROLL_LIMITS.maxClipping) {
    throw new ApiError('BAD_AUDIO', `The reference is clipped (${(analysis.clippingRatio * 100).toFixed(1)}% of samples): record it again with a lower input gain.`);
  }
  if (analysis.verdict === 'reject') {
    throw new ApiError('BAD_AUDIO', `This reference cannot be used: ${analysis.reasons.join(' ')}`);
  }
  throwIfCancelled(signal, 'Enrollment');
  const level = scaled(mono, inputGain(mono));
  const track = f0Yin(level);
  const stats = f0Stats(track.logF0, track.voiced);
  const voicedSec = (stats.voicedFrames * 256) / MODEL_RATE;
  const minVoiced = oneShot ? ENROLL_LIMITS.minVoicedSeconds / 2 : ENROLL_LIMITS.minVoicedSeconds;
  if (voicedSec < minVoiced) {
    throw new ApiError('BAD_AUDIO', `No clear speech was found in the reference (${voicedSec.toFixed(1)} s voiced): record someone speaking for at least ${minSeconds} seconds.`);
  }
  const mel = new LogMelExtractor().compute(level);
  const embedding = await model.embed(mel.data, mel.frames);
  const v = verifier?.available ? await verifierEmbeddingOf(verifier, mono, track.voiced) : null;
  return {
    embedding,
    f0: { mean: stats.mean, std: stats.std },
    ...(verifier?.available ? { verifier: v ? { embedding: v } : { missing: 'The reference has no voiced speech for the verifier.' } } : {}),
    preview: makePreview(mono),
    analysis,
    warnings,
  };
}

/** The first seconds of a clip, faded out and peak-normalized to -1 dBFS. */
export function makePreview(mono: Float32Array, seconds: number = ENROLL_LIMITS.previewSeconds): Float32Array {
  const x = Float32Array.from(mono.subarray(0, Math.min(mono.length, Math.round(seconds * MODEL_RATE))));
  const fade = Math.min(800, x.length >> 2);
  for (let i = 0; i < fade; i++) x[x.length - 1 - i] *= i / fade;
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  if (peak > 1e-6) for (let i = 0; i < x.length; i++) x[i] *= 0.89 / peak;
  return x;
}
