// Turns any failure (an engine error with its code, a browser exception) into plain words plus what
// the user can do next, so panels never show a stack trace or a bare code.

export interface PlainError {
  title: string;
  detail: string;
  next: string;
}

const NEXT: Record<string, string> = {
  INVALID_ARGUMENT: 'Check the settings and try again.',
  NOT_FOUND: 'The voice or job is gone; the voice list was refreshed, pick a voice and convert again.',
  BAD_AUDIO: 'Try another recording or file: speech, 3 s or longer, without heavy noise or clipping.',
  MODEL_ERROR: 'The voice models are missing or failed to load. Restart the app; if it persists, reinstall it.',
  CANCELLED: 'Nothing was changed. Start again when you are ready.',
  IO_ERROR: 'The engine could not be reached or a file could not be written. Check that the app is still running and try again.',
  BUSY: 'Another conversion is running. Wait for it to finish or cancel it.',
  ENGINE_RESTARTED: 'The voice engine stopped and was started again. Try again; your recording and settings are kept.',
  INTERNAL: 'Something unexpected went wrong. Try again; if it repeats, restart the app.',
  DECODE: 'Pick a WAV, MP3, FLAC, OGG or M4A file with sound in it.',
  MIC: 'Allow microphone access for VoiceShift, check that a microphone is connected, or load a file instead.',
};

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

/** Plain words for a failure; `fallbackCode` applies when the error carries no engine code. */
export function toPlainError(err: unknown, fallbackCode?: string): PlainError {
  const hasEngineCode = err !== null && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string';
  const code = hasEngineCode ? errorCode(err) : (fallbackCode ?? 'INTERNAL');
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return {
    title: TITLE[code] ?? TITLE.INTERNAL,
    detail: message || 'No details were given.',
    next: NEXT[code] ?? NEXT.INTERNAL,
  };
}

/** An Error that carries one of the local codes above. */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
