// The one handler table behind every transport. Each entry validates its raw arguments, calls the
// implementation and normalizes failures to ApiErrorInfo, so Electron IPC, web mode and tests all
// see the same behaviour for the same input.
import { toErrorInfo } from './errors.js';
import type { ApiErrorInfo, CallName, VoiceApiCalls } from './types.js';
import { CALL_NAMES } from './types.js';
import { validators } from './validate.js';

/** What a transport knows about the caller; passed to implementations that need it. */
export interface CallContext {
  transport: 'electron' | 'web' | 'direct';
  /** Aborts the call's work where the implementation can stop early (the CLI's Ctrl+C); transports leave it out. */
  signal?: AbortSignal;
}

/** The engine side: one function per call, receiving validated arguments. */
export type ApiImplementation = {
  [K in CallName]: (args: VoiceApiCalls[K]['args'], ctx: CallContext) => Promise<VoiceApiCalls[K]['result']>;
};

/** The envelope every transport returns: never throws across the boundary. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorInfo };

/**
 * Electron's preload surface: one function per call that resolves with the envelope itself. A plain
 * object crosses contextBridge whole, whereas a thrown Error arrives with its message only (its `code`
 * would be lost); the renderer's bridge rebuilds the ApiError with `unwrap`.
 */
export type EnvelopeApi = {
  [K in CallName]: (args?: VoiceApiCalls[K]['args']) => Promise<Envelope<VoiceApiCalls[K]['result']>>;
};

export type HandlerTable = {
  [K in CallName]: (rawArgs: unknown, ctx: CallContext) => Promise<Envelope<VoiceApiCalls[K]['result']>>;
};

/** Wraps an implementation with validation and error normalization, one entry per call. */
export function createHandlerTable(impl: ApiImplementation): HandlerTable {
  const table = {} as Record<CallName, (rawArgs: unknown, ctx: CallContext) => Promise<Envelope<unknown>>>;
  for (const name of CALL_NAMES) {
    const validate = validators[name] as (a: unknown) => unknown;
    const run = impl[name] as (a: unknown, ctx: CallContext) => Promise<unknown>;
    table[name] = async (rawArgs, ctx) => {
      try {
        const args = validate(rawArgs);
        return { ok: true, result: await run(args, ctx) };
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) };
      }
    };
  }
  return table as HandlerTable;
}

/** True when `name` is one of the VoiceApi calls (transports check names from the outside world). */
export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}
