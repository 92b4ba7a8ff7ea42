// Quiet takes (a peak far below full scale, but speech) are offered a level fix: one gain for the
// whole clip that brings its peak to -1 dBFS, so both the quality check and the converted result
// (loudness-matched to its source) are heard at a normal level.
import type { AudioData } from '../../src/api/types';

/** The peak a normalized clip gets, dBFS. */
export const NORMALIZED_PEAK_DB = -1;
/** Clips peaking below this (dBFS) are offered normalization. */
export const QUIET_PEAK_DB = -20;
/** At or below this peak (dBFS) a clip is silence, and amplifying it would only raise noise. */
export const SILENT_PEAK_DB = -80;

/** Whether a clip with this peak (dBFS) should be offered normalization. */
export function offerNormalize(peakDb: number): boolean {
  return peakDb < QUIET_PEAK_DB && peakDb > SILENT_PEAK_DB;
}

/**
 * The clip with one gain applied so its peak is NORMALIZED_PEAK_DB.
 * @returns the new audio and the gain applied in dB
 */
export function normalizePeak(audio: AudioData): { audio: AudioData; gainDb: number } {
  let peak = 0;
  for (const ch of audio.channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]));
  if (peak === 0) return { audio, gainDb: 0 };
  const gain = 10 ** (NORMALIZED_PEAK_DB / 20) / peak;
  return {
    audio: { sampleRate: audio.sampleRate, channels: audio.channels.map((ch) => ch.map((v) => v * gain)) },
    gainDb: 20 * Math.log10(gain),
  };
}
