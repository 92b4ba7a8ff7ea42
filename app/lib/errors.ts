// Turns any failure (an engine error with its code, a browser exception) into plain words, each thing
// said once: the specific message, and what the user can do next only where it adds something. Panels
// never show a stack trace or a bare code. Engine failures arrive as the ApiError of src/api/errors.ts
// from every transport (app/bridge.ts); DECODE and MIC are the renderer's own codes for failures that
// happen in the page (browser decoding, the microphone) and never travel on a wire.
import { API_ERROR_CODES } from '../../src/api/errors';

export interface PlainError {
  /** A heading, only where the failure's own message is not plain words (browser exceptions, local failures). */
  title: string;
  /** The specific sentence: the engine's own message, said once. */
  detail: string;
  /** A next step, only where the message does not already imply it. */
  next: string;
}

/** Codes the engine sends with a specific, plain message of its own. */
const ENGINE_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

/** What to do next, for codes whose messages do not say it. */
const NEXT: Record<string, string> = {
  NOT_FOUND: 'The voice list was refreshed.',
  ENGINE_RESTARTED: 'Your recording and settings are kept.',
  INTERNAL: 'Try again; if it repeats, restart the app.',
  DECODE: 'Pick a WAV, MP3, FLAC, OGG or M4A file with sound in it.',
  MIC: 'Allow microphone access for VoiceShift, check that a microphone is connected, or load a file instead.',
};

/** Headings for failures that come without a plain message. */
const TITLE: Record<string, string> = {
  INVALID_ARGUMENT: 'That request was not accepted',
  NOT_FOUND: 'Not found',
  BAD_AUDIO: 'The audio cannot be used',
  MODEL_ERROR: 'The voice engine is not ready',
  CANCELLED: 'Cancelled',
  IO_ERROR: 'Connection or file problem',
  BUSY: 'The engine is busy',
  ENGINE_RESTARTED: 'The engine restarted',
  INTERNAL: 'Unexpected error',
  DECODE: 'This file could not be read as audio',
  MIC: 'The microphone could not be used',
};

/** The code carried by an engine error (web client or Electron preload), or a local one. */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return 'INTERNAL';
}

/**
 * Plain words for a failure, each thing said once: an engine error shows its own message (plus a next
 * step only where the message does not imply one); a browser exception or local failure gets the
 * heading of `fallbackCode` (or its own local code) above its message.
 */
export function toPlainError(err: unknown, fallbackCode?: string): PlainError {
  const hasEngineCode = err !== null && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string';
  const code = hasEngineCode ? errorCode(err) : (fallbackCode ?? 'INTERNAL');
  const message = (err instanceof Error ? err.message : typeof err === 'string' ? err : '').trim();
  const next = NEXT[code] ?? '';
  if (hasEngineCode && ENGINE_CODES.has(code) && message) return { title: '', detail: message, next };
  return { title: TITLE[code] ?? TITLE.INTERNAL, detail: message, next: next || NEXT.INTERNAL };
}

/** An Error that carries one of the renderer's local codes above (DECODE, MIC); engine codes use ApiError. */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
