// The one error type, end to end: a code a program can branch on and a message a person can read.
// Inside Node every failure meant for a caller is an ApiError. On every wire (Electron IPC, web
// mode's HTTP and WebSocket, the RPC to the engine process, live messages) it travels as its
// ApiErrorInfo ({ code, message }: `toErrorInfo`), and the receiving side rebuilds the same ApiError
// (`fromErrorInfo`, `unwrap`). Anything thrown that is not an ApiError becomes INTERNAL with a generic
// message. Module-internal errors that never cross a module boundary (FrameError in
// src/server/websocket.ts) or are translated exactly once at the API's edge (AudioDecodeError ->
// BAD_AUDIO in src/service.ts `decodeFailure`) are the only other error classes.
// Renderer-safe: type-only imports, no Node.
import type { Envelope } from './handlers.js';
import type { ApiErrorCode, ApiErrorInfo } from './types.js';

/** Every ApiErrorCode, for receivers that check a code arriving from outside. */
export const API_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'BAD_AUDIO',
  'MODEL_ERROR',
  'CANCELLED',
  'IO_ERROR',
  'BUSY',
  'ENGINE_RESTARTED',
  'INTERNAL',
] as const satisfies readonly ApiErrorCode[];

// Fails to compile when ApiErrorCode gains a code the list above lacks.
type MissingCode = Exclude<ApiErrorCode, (typeof API_ERROR_CODES)[number]>;
const allCodesListed: MissingCode extends never ? true : never = true;
void allCodesListed;

/** The message a failure that is not an ApiError gets (no stack traces or host paths leak). */
export const INTERNAL_MESSAGE = 'Something went wrong inside the engine. Try again; if it persists, restart the app.';

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

/** The engine (in this process or its own) was disposed: every later call gets this. */
export function engineShutDown(): ApiError {
  return new ApiError('MODEL_ERROR', 'The engine was shut down. Restart the app.');
}

/** Shorthand for an INVALID_ARGUMENT error. */
export function invalid(message: string): ApiError {
  return new ApiError('INVALID_ARGUMENT', message);
}

/** True when `code` is one of the API's codes. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Turns any thrown value into the wire form. Errors that are not ApiErrors keep a generic message so
 * that stack traces and file paths of the host do not leak to the renderer.
 */
export function toErrorInfo(err: unknown): ApiErrorInfo {
  if (err instanceof ApiError) return err.toJSON();
  return { code: 'INTERNAL', message: INTERNAL_MESSAGE };
}

/** The receiving side of a wire: the same ApiError that was sent. */
export function fromErrorInfo(info: ApiErrorInfo): ApiError {
  return new ApiError(isApiErrorCode(info?.code) ? info.code : 'INTERNAL', typeof info?.message === 'string' ? info.message : INTERNAL_MESSAGE);
}

/** An envelope's result, or its error thrown as an ApiError. */
export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.result;
  throw fromErrorInfo(envelope.error);
}
