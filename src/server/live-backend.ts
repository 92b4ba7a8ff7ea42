// Where web mode's live sessions run. `processLiveBackend` starts the live engine process (host.ts with
// mode 'live', a Node child like the main engine) on the first Go live and multiplexes every open live
// WebSocket over its IPC channel; if it dies, each session gets an ENGINE_RESTARTED error and the next
// Go live starts a fresh one. `inProcessLiveBackend` runs the sessions in this process (tests).
import { ApiError } from '../api/errors.js';
import type { ApiErrorInfo, LiveClientMessage, LiveServerMessage } from '../api/types.js';
import type { RpcMessage } from '../api/rpc.js';
import type { LiveHostInbound, LiveHostOutbound } from '../live/live-host.js';
import { LiveSessionManager, type LiveConverterFactory, type LiveManagerOptions } from '../live/session-manager.js';
import type { EngineLauncher, LaunchedEngine } from '../engine-process/supervisor.js';

/** One session's link to the backend. */
export interface LiveLink {
  send(message: LiveClientMessage): void;
  /** Ends the session (the connection went away). */
  close(): void;
}

/** The live side of the engine, as the web server sees it. */
export interface LiveBackend {
  /** Opens a session; `onEnd` is called if the backend goes away under it. */
  open(onMessage: (message: LiveServerMessage) => void, onEnd: (error: ApiErrorInfo) => void): LiveLink;
  dispose(): Promise<void>;
}

const LIVE_LOST: ApiErrorInfo = new ApiError('ENGINE_RESTARTED', 'The live engine stopped; press Go live again.').toJSON();

let nextSession = 1;

/** Sessions in this process (tests and tools). */
export function inProcessLiveBackend(factory: LiveConverterFactory, options?: LiveManagerOptions): LiveBackend & { manager: LiveSessionManager } {
  const listeners = new Map<string, (m: LiveServerMessage) => void>();
  const manager = new LiveSessionManager(factory, (session, message) => listeners.get(session)?.(message), options);
  return {
    manager,
    open(onMessage) {
      const session = `s${nextSession++}`;
      listeners.set(session, onMessage);
      return {
        send: (m) => manager.handle(session, m),
        close: () => {
          manager.close(session);
          listeners.delete(session);
        },
      };
    },
    async dispose() {
      manager.dispose();
      listeners.clear();
    },
  };
}

/** Sessions in the live engine process, started on demand by `launcher`. */
export function processLiveBackend(launcher: EngineLauncher): LiveBackend {
  type Running = { engine: LaunchedEngine; sessions: Map<string, { onMessage: (m: LiveServerMessage) => void; onEnd: (e: ApiErrorInfo) => void }> };
  let current = null as Running | null;
  let disposed = false;

  const ensure = (): Running => {
    if (current) return current;
    const engine = launcher();
    const cur: Running = { engine, sessions: new Map() };
    current = cur;
    engine.channel.onMessage((raw) => {
      const m = raw as LiveHostOutbound;
      if (typeof m?.session === 'string') cur.sessions.get(m.session)?.onMessage(m.message);
    });
    engine.onExit(() => {
      if (current === cur) current = null;
      for (const s of cur.sessions.values()) s.onEnd(LIVE_LOST);
      cur.sessions.clear();
    });
    return cur;
  };
  const post = (cur: Running, m: LiveHostInbound): void => {
    try {
      cur.engine.channel.send(m as unknown as RpcMessage);
    } catch {
      // the process is gone; its exit ends the sessions
    }
  };

  return {
    open(onMessage, onEnd) {
      if (disposed) throw new Error('The live backend was disposed.');
      const cur = ensure();
      const session = `s${nextSession++}`;
      cur.sessions.set(session, { onMessage, onEnd });
      return {
        send: (message) => post(cur, { session, message }),
        close: () => {
          if (cur.sessions.delete(session)) post(cur, { session, close: true });
        },
      };
    },
    async dispose() {
      disposed = true;
      const cur = current;
      current = null;
      cur?.engine.kill();
    },
  };
}
