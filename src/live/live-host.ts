// The live engine process: a second process started from the same entry (src/engine-process/host.ts
// with `mode: 'live'`), so live audio never queues behind a conversion's work or a large RPC reply in
// the main engine process (ARCHITECTURE.md, "Binary frames and back-pressure"). It loads its own engine
// lazily (on the first Go live) and serves LiveSessionManager sessions over:
//   - web mode: the Node IPC channel to the web server, multiplexed by session id
//     ({ session, message } both ways, { session, close: true } when the WebSocket went away);
//   - Electron: one MessagePort per session, handed over by the main process
//     ({ type: 'live-port' } with the port attached); the renderer talks to it directly.
import type { Engine } from '../engine/engine.js';
import type { LiveServerMessage } from '../api/types.js';
import { engineConverterFactory } from './engine-converter.js';
import { LiveSessionManager, type LiveManagerOptions } from './session-manager.js';

/** A message on the multiplexed channel, parent to live host. */
export interface LiveHostInbound {
  session: string;
  message?: unknown;
  close?: true;
}

/** A message on the multiplexed channel, live host to parent. */
export interface LiveHostOutbound {
  session: string;
  message: LiveServerMessage;
}

/** Electron's MessagePortMain, typed locally so src/ needs no Electron types. */
export interface LivePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
  close(): void;
}

/** Serves live sessions; `attachChannel` for the multiplexed channel, `attachPort` for an Electron port. */
export class LiveHost {
  readonly manager: LiveSessionManager;
  private readonly ports = new Map<string, LivePortLike>();
  private channelSend: ((m: LiveHostOutbound) => void) | null = null;
  private nextPort = 1;

  constructor(engine: () => Promise<Engine>, options?: LiveManagerOptions) {
    this.manager = new LiveSessionManager(engineConverterFactory(engine), (session, message) => this.out(session, message), options);
  }

  /** Serves the sessions of a multiplexed channel (web mode). */
  attachChannel(send: (m: LiveHostOutbound) => void, onMessage: (listener: (m: unknown) => void) => void): void {
    this.channelSend = send;
    onMessage((raw) => {
      const m = raw as LiveHostInbound;
      if (typeof m?.session !== 'string') return;
      if (m.close) this.manager.close(m.session);
      else this.manager.handle(m.session, m.message);
    });
  }

  /** Serves one session on its own port (Electron). */
  attachPort(port: LivePortLike): void {
    const session = `port-${this.nextPort++}`;
    this.ports.set(session, port);
    port.on('message', (e) => this.manager.handle(session, e.data));
    port.on('close', () => {
      this.ports.delete(session);
      this.manager.close(session);
    });
    port.start();
  }

  dispose(): void {
    this.manager.dispose();
    for (const p of this.ports.values()) p.close();
    this.ports.clear();
  }

  private out(session: string, message: LiveServerMessage): void {
    const port = this.ports.get(session);
    if (port) port.postMessage(message);
    else this.channelSend?.({ session, message });
  }
}
