// The engine-process RPC: one definition of how a transport's host (the web server, Electron's main
// process) reaches the engine running in its own process. The same protocol runs over Node's
// child-process IPC (web mode) and Electron's utilityProcess MessagePort; both carry structured
// clones, so typed arrays (audio) cross without an extra encoding. The engine side serves the one
// handler table; the host side exposes a HandlerTable of the same shape that forwards every call,
// so transports cannot tell an in-process table from a remote one.
//
// Messages (host -> engine): call, shutdown. (engine -> host): ready, reply, event.
// Binary streams (live audio, next) get their own message kind on a dedicated port so they never
// queue behind a large reply; see the README's architecture section.
// Errors cross as the envelope's ApiErrorInfo (src/api/errors.ts); the host rebuilds ApiErrors with
// `unwrap` where it throws (the CLI), and otherwise passes the envelope on unchanged.
import { ApiError, toErrorInfo } from './errors.js';
import { isCallName, type CallContext, type Envelope, type HandlerTable } from './handlers.js';
import type { ApiErrorInfo, CallName, VoiceEvent, VoiceEvents } from './types.js';
import { CALL_NAMES } from './types.js';

/** One bidirectional message pipe (a MessagePort, a child's IPC channel, a utilityProcess). */
export interface RpcChannel {
  /** Posts one message (structured-cloned by the channel). */
  send(message: RpcMessage): void;
  /** Calls `listener` for every message received until the returned function is called. */
  onMessage(listener: (message: unknown) => void): () => void;
}

export type RpcMessage =
  | { t: 'call'; id: number; name: CallName; args: unknown; ctx: CallContext }
  | { t: 'reply'; id: number; envelope: Envelope<unknown> }
  | { t: 'event'; event: VoiceEvent }
  | { t: 'ready' }
  | { t: 'shutdown' };

/**
 * Engine side: answers every call message with the handler table's envelope and forwards `events`.
 * @returns a function that stops serving (unsubscribes from the channel and the events)
 */
export function serveRpc(channel: RpcChannel, handlers: HandlerTable, events?: VoiceEvents, onShutdown?: () => void): () => void {
  const stopEvents = events?.subscribe((event) => channel.send({ t: 'event', event }));
  const stopMessages = channel.onMessage((raw) => {
    const msg = raw as Partial<RpcMessage> | null;
    if (!msg || typeof msg !== 'object') return;
    if (msg.t === 'shutdown') return onShutdown?.();
    if (msg.t !== 'call' || typeof msg.id !== 'number') return;
    const { id, name, args, ctx } = msg as Extract<RpcMessage, { t: 'call' }>;
    if (!isCallName(name)) {
      channel.send({ t: 'reply', id, envelope: { ok: false, error: new ApiError('INVALID_ARGUMENT', 'No such call.').toJSON() } });
      return;
    }
    // The handler table never throws: it returns an envelope for every outcome.
    void handlers[name](args, ctx ?? { transport: 'direct' }).then((envelope) => {
      try {
        channel.send({ t: 'reply', id, envelope });
      } catch (err) {
        // A result the channel cannot clone: answer with an error rather than leave the caller waiting
        // (a channel already closed has no caller left to answer).
        try {
          channel.send({ t: 'reply', id, envelope: { ok: false, error: toErrorInfo(err) } });
        } catch {
          // gone
        }
      }
    });
  });
  channel.send({ t: 'ready' });
  return () => {
    stopEvents?.();
    stopMessages();
  };
}

/** Host side: forwards calls over a channel and matches replies; events go to `onEvent`. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  private readonly stop: () => void;
  /** Resolves when the engine said it is ready. */
  readonly ready: Promise<void>;

  constructor(private readonly channel: RpcChannel, onEvent: (event: VoiceEvent) => void) {
    let markReady!: () => void;
    this.ready = new Promise((r) => (markReady = r));
    this.stop = channel.onMessage((raw) => {
      const msg = raw as Partial<RpcMessage> | null;
      if (!msg || typeof msg !== 'object') return;
      if (msg.t === 'ready') markReady();
      else if (msg.t === 'event' && msg.event) onEvent(msg.event as VoiceEvent);
      else if (msg.t === 'reply' && typeof msg.id === 'number') {
        const settle = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        settle?.((msg as Extract<RpcMessage, { t: 'reply' }>).envelope);
      }
    });
  }

  /** Calls `name` in the engine; the promise settles with its envelope (never rejects). */
  call(name: CallName, args: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      try {
        this.channel.send({ t: 'call', id, name, args, ctx });
      } catch {
        // An argument the channel cannot clone, or a channel already closed.
        this.pending.delete(id);
        resolve({ ok: false, error: new ApiError('INVALID_ARGUMENT', 'The request could not be passed to the engine.').toJSON() });
      }
    });
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Settles every waiting call with `error` (the engine process is gone), and stops listening. */
  failAll(error: ApiErrorInfo): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const settle of waiting) settle({ ok: false, error });
  }

  /** Asks the engine to shut down cleanly. */
  shutdown(): void {
    try {
      this.channel.send({ t: 'shutdown' });
    } catch {
      // already gone
    }
  }

  /** Stops listening (the pending calls are settled by failAll). */
  dispose(): void {
    this.stop();
  }
}

/** A HandlerTable whose every entry is `forward(name, args, ctx)`: the remote twin of createHandlerTable. */
export function forwardingTable(forward: (name: CallName, args: unknown, ctx: CallContext) => Promise<Envelope<unknown>>): HandlerTable {
  const table = {} as Record<CallName, (args: unknown, ctx: CallContext) => Promise<Envelope<unknown>>>;
  for (const name of CALL_NAMES) table[name] = (args, ctx) => forward(name, args, ctx);
  return table as HandlerTable;
}
