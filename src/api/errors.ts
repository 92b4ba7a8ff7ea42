// The one error type that crosses the API boundary: a code a program can branch on and a message a
// person can read. Transports serialize it as { code, message }; anything else becomes INTERNAL.
import type { ApiErrorCode, ApiErrorInfo } from './types.js';

/** A typed, human-readable failure of a VoiceApi call. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }

  toJSON(): ApiErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Shorthand for an INVALID_ARGUMENT error. */
export function invalid(message: string): ApiError {
  return new ApiError('INVALID_ARGUMENT', message);
}

/**
 * Turns any thrown value into the wire form. Errors that are not ApiErrors keep a generic message so
 * that stack traces and file paths of the host do not leak to the renderer.
 */
export function toErrorInfo(err: unknown): ApiErrorInfo {
  if (err instanceof ApiError) return err.toJSON();
  const code = (err as { apiCode?: unknown } | null)?.apiCode;
  if (typeof code === 'string' && err instanceof Error) return { code: code as ApiErrorCode, message: err.message };
  return { code: 'INTERNAL', message: 'Something went wrong inside the engine. Try again; if it persists, restart the app.' };
}
