// Suggested export file names ("<source> as <voice>"), made safe for every desktop file system, so
// the user can export without typing a name.
import type { ExportFormat } from '../../src/api/types';

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
/** Longest stem per part, so "<source>-as-<voice>" stays within the API's 80-character name limit. */
const MAX_STEM = 36;

/** Strips the extension and anything a file system or a download would refuse. */
export function safeStem(name: string, fallback = 'clip'): string {
  const withoutExt = name.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const cleaned = withoutExt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9 _.-]+/g, ' ')
    .trim()
    .replace(/\s+/g, '-')
    .replace(/[.-]{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .toLowerCase()
    .slice(0, MAX_STEM)
    .replace(/[.-]+$/g, '');
  if (!cleaned || RESERVED.test(cleaned)) return fallback;
  return cleaned;
}

/** "<source>-as-<voice>" without an extension (the engine sets it from the format). */
export function suggestExportName(sourceName: string, voiceLabel: string): string {
  return `${safeStem(sourceName, 'clip')}-as-${safeStem(voiceLabel, 'voice')}`;
}

/** The file name a download gets, extension included. */
export function withExtension(stem: string, format: ExportFormat): string {
  const base = stem.replace(/\.(wav|flac)$/i, '');
  return `${base}.${format}`;
}
