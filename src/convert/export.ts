// Export of a converted clip (DESIGN §5): resampled to the requested rate (16 / 22.05 / 44.1 /
// 48 kHz) with the band-limited resampler, encoded as WAV (16/24-bit PCM or 32-bit float) or FLAC
// (16/24-bit) by the DSP encoders, and named <stem>.<ext>. Where the bytes go is the caller's
// ExportSink (a save dialog, a download, or an atomic file write in the CLI).
import { invalid } from '../api/errors.js';
import type { AudioData, ExportFormat } from '../api/types.js';
import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav-encode.js';
import { encodeFlac } from '../audio/flac-encode.js';

/** What to export. */
export interface ExportOptions {
  format: ExportFormat;
  /** Output rate, Hz. */
  sampleRate: number;
  bitDepth: 16 | 24 | 32;
  /** File stem (already sanitized); the extension follows the format. */
  name: string;
}

/** Encoded file bytes and the file name. */
export interface EncodedClip {
  fileName: string;
  bytes: Uint8Array;
}

/**
 * Resamples and encodes `audio`.
 * @throws ApiError INVALID_ARGUMENT for a depth the format cannot hold
 */
export async function encodeClip(audio: AudioData, options: ExportOptions): Promise<EncodedClip> {
  const { format, sampleRate, bitDepth } = options;
  const channels = audio.channels.map((ch) => (audio.sampleRate === sampleRate ? ch : resample(ch, audio.sampleRate, sampleRate)));
  const pcm = { sampleRate, channels };
  let bytes: Uint8Array;
  if (format === 'wav') {
    bytes = encodeWav(pcm, { format: bitDepth === 16 ? 'int16' : bitDepth === 24 ? 'int24' : 'float32', dither: bitDepth === 16 });
  } else {
    if (bitDepth === 32) throw invalid('FLAC supports 16 or 24 bits; pick WAV for 32-bit float.');
    bytes = await encodeFlac(pcm, { bitsPerSample: bitDepth });
  }
  return { fileName: `${options.name}.${format}`, bytes };
}
