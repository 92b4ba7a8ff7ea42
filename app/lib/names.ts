// Suggested export file names ("<source> as <voice>"), made safe for every desktop file system, so
// the user can export without typing a name.
import type { ExportFormat } from '../../src/api/types';
import { EXPORT_FORMATS } from '../../src/api/types';
import { safeFileStem } from '../../src/api/file-names';

/** Longest stem per part, so "<source>-as-<voice>" stays within the API's 80-character name limit. */
const MAX_STEM = 36;

/**
 * A lower-case, hyphenated stem for a suggested name: the extension dropped, made safe by the one
 * sanitiser (src/api/file-names.ts: the engine applies it again, Windows device names included).
 */
export function safeStem(name: string, fallback = 'clip'): string {
  const safe = safeFileStem(name.replace(/\.[A-Za-z0-9]{1,5}$/, ''), { fallback: '', maxLength: MAX_STEM });
  const slug = safe.toLowerCase().replace(/[\s_]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
  // Re-checked: hyphenating may expose a device name ("con_" -> "con").
  return safeFileStem(slug, { fallback, maxLength: MAX_STEM });
}

/** "<source>-as-<voice>" without an extension (the engine sets it from the format). */
export function suggestExportName(sourceName: string, voiceLabel: string): string {
  return `${safeStem(sourceName, 'clip')}-as-${safeStem(voiceLabel, 'voice')}`;
}

/** The file name a download gets, extension included. */
export function withExtension(stem: string, format: ExportFormat): string {
  const extensions = Object.values(EXPORT_FORMATS).map((f) => f.extension).join('|');
  const base = stem.replace(new RegExp(`\\.(${extensions})$`, 'i'), '');
  return `${base}.${EXPORT_FORMATS[format].extension}`;
}
