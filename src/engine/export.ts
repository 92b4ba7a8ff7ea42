// Export of a converted clip (DESIGN §5): resampled to the requested rate (16 / 22.05 / 44.1 /
// 48 kHz) with the band-limited resampler, encoded as WAV (16/24-bit PCM or 32-bit float) or FLAC
// (16/24-bit) by the DSP encoders, and named <stem>.<ext>. What each format can hold (extension,
// depths, rates) is EXPORT_FORMATS in src/api/types.ts; this file adds only the codecs. Where the bytes go is the caller's
// ExportSink (a save dialog, a download, or an atomic file write in the CLI).
import { invalid } from '../api/errors.js';
import type { AudioData, ExportBitDepth, ExportFormat } from '../api/types.js';
import { EXPORT_FORMATS } from '../api/types.js';
import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav-encode.js';
import { encodeFlac } from '../audio/flac-encode.js';

/** What to export. */
export interface ExportOptions {
  format: ExportFormat;
  /** Output rate, Hz. */
  sampleRate: number;
  bitDepth: ExportBitDepth;
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
  const spec = EXPORT_FORMATS[format];
  if (!spec) throw invalid(`Unknown export format "${format}".`);
  if (!(spec.bitDepths as readonly number[]).includes(bitDepth)) {
    throw invalid(`${spec.label} supports ${spec.bitDepths.join(' or ')} bits${bitDepth === 32 ? '; pick WAV for 32-bit float' : ''}.`);
  }
  const channels = audio.channels.map((ch) => (audio.sampleRate === sampleRate ? ch : resample(ch, audio.sampleRate, sampleRate)));
  const pcm = { sampleRate, channels };
  const bytes = await ENCODERS[format](pcm, bitDepth);
  return { fileName: `${options.name}.${spec.extension}`, bytes };
}

/** The codec of each format in EXPORT_FORMATS (a new format without one fails to compile). */
const ENCODERS: Record<ExportFormat, (pcm: AudioData, bitDepth: ExportBitDepth) => Promise<Uint8Array> | Uint8Array> = {
  wav: (pcm, bitDepth) => encodeWav(pcm, { format: bitDepth === 16 ? 'int16' : bitDepth === 24 ? 'int24' : 'float32', dither: bitDepth === 16 }),
  flac: (pcm, bitDepth) => encodeFlac(pcm, { bitsPerSample: bitDepth as 16 | 24 }),
};
