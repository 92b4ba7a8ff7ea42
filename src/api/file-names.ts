// The one file-name sanitiser (issue 15): every name that becomes a file (exports through the API, the
// CLI's output names, the UI's suggested names) passes through safeFileStem. Plain code without Node
// imports, so the renderer uses the same function.
import { EXPORT_FORMATS } from './types.js';

/** Names Windows reserves for devices, with or without an extension (CON, CON.wav, com1 ...). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/** A trailing export extension (".wav", ".flac": EXPORT_FORMATS), stripped so it is not doubled. */
const EXPORT_EXTENSION = new RegExp(`\\.(${Object.values(EXPORT_FORMATS).map((f) => f.extension).join('|')})$`, 'i');

export interface SafeStemOptions {
  /** Returned when nothing usable is left (or the name is reserved). Default 'converted'. */
  fallback?: string;
  /** Longest stem. Default 80 (the API's name limit). */
  maxLength?: number;
}

/** True for names Windows refuses as files (CON, PRN, AUX, NUL, COM1-9, LPT1-9), with any extension. */
export function isReservedFileName(stem: string): boolean {
  return WINDOWS_RESERVED.test(stem.trim().split('.')[0].trim());
}

/**
 * A file stem safe on every desktop file system: accents folded to plain letters, then only letters,
 * digits, space and _ ( ) + - kept (others, dots and slashes included, become "_"), no leading or
 * trailing separators, at most `maxLength` characters, never a Windows device name. The extension
 * comes from the export format, so a trailing .wav/.flac is dropped first.
 */
export function safeFileStem(name: string, options: SafeStemOptions = {}): string {
  const { fallback = 'converted', maxLength = 80 } = options;
  const trim = (s: string): string => s.replace(/^[ _.-]+|[ _.-]+$/g, '');
  const stem = trim(
    trim(
      name
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace(EXPORT_EXTENSION, '')
        .replace(/[^A-Za-z0-9 _()+-]+/g, '_')
        .replace(/_+/g, '_'),
    ).slice(0, maxLength),
  );
  return stem.length > 0 && !isReservedFileName(stem) ? stem : fallback;
}
