// The target voice the app starts with. A newcomer's first conversion is usually the demo clip, so the
// default must sound clearly different from the demo's speaker (assets/demo/demo.json): the other
// gender, a mean F0 a few semitones away, and far from that speaker's side of the voice map. Chosen
// from the voices the engine lists (never a fixed id: the built-in voices change with each model).
import type { VoiceInfo } from '../../src/api/types';

/** What the app knows about a clip's speaker. */
export interface SpeakerTraits {
  gender: 'female' | 'male';
  meanF0Hz: number;
}

/** A voice this many semitones or more from the speaker's mean F0 counts as clearly different in pitch. */
export const MIN_PITCH_GAP_SEMITONES = 3;

function semitones(a: number, b: number): number {
  return Math.abs(12 * Math.log2(a / b));
}

/**
 * The built-in voice most clearly different from `speaker`: among built-in voices of the other gender
 * whose mean F0 is at least MIN_PITCH_GAP_SEMITONES away (when none qualifies: the other gender, then
 * far in pitch, then every built-in voice), the one farthest on the voice map from the centroid of the
 * built-in voices of the speaker's gender (all built-ins when there are none).
 * @returns the voice, or null when no built-in voice is listed
 */
export function contrastingVoice(voices: readonly VoiceInfo[], speaker: SpeakerTraits): VoiceInfo | null {
  const builtin = voices.filter((v) => v.kind === 'builtin');
  if (builtin.length === 0) return null;
  const otherGender = (v: VoiceInfo): boolean => v.gender !== undefined && v.gender !== 'unknown' && v.gender !== speaker.gender;
  const farInPitch = (v: VoiceInfo): boolean => v.meanF0Hz !== undefined && semitones(v.meanF0Hz, speaker.meanF0Hz) >= MIN_PITCH_GAP_SEMITONES;
  const tiers = [builtin.filter((v) => otherGender(v) && farInPitch(v)), builtin.filter(otherGender), builtin.filter(farInPitch), builtin];
  const candidates = tiers.find((t) => t.length > 0)!;
  const same = builtin.filter((v) => v.gender === speaker.gender);
  const region = same.length > 0 ? same : builtin;
  const cx = region.reduce((s, v) => s + v.map[0], 0) / region.length;
  const cy = region.reduce((s, v) => s + v.map[1], 0) / region.length;
  let best = candidates[0];
  let bestDistance = -1;
  for (const v of candidates) {
    const d = Math.hypot(v.map[0] - cx, v.map[1] - cy);
    if (d > bestDistance) [best, bestDistance] = [v, d];
  }
  return best;
}
