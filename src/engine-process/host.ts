// The engine process's entry point: builds the service and its handler table and serves them over
// the RPC channel to the process that talks to the UI. The same file runs as a Node child (web mode,
// forked by node-launcher.ts) and as Electron's utilityProcess (bundled to dist-electron/engine.cjs):
// it picks whichever parent channel exists. Exports are always returned as bytes; the Electron shell
// shows the save dialog and writes the file itself, because dialogs belong to the main process.
import { createHandlerTable } from '../api/handlers.js';
import { serveRpc, type RpcChannel, type RpcMessage } from '../api/rpc.js';
import { createVoiceService, returnBytes } from '../service.js';
import type { ContentVariant } from '../model/inference.js';
import { LiveHost, type LivePortLike } from '../live/live-host.js';

/** What the host needs to build the service; passed as JSON in argv[2]. */
export interface EngineHostConfig {
  root: string;
  userDataDir: string;
  modelsDir?: string;
  intraOpNumThreads?: number;
  contentVariant?: ContentVariant;
  concurrency?: number;
  /** 'live': serve live sessions (src/live) instead of the handler table. Default 'engine'. */
  mode?: 'engine' | 'live';
}

/** Electron's utilityProcess parent port, typed locally so src/ does not need Electron's types. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports?: LivePortLike[] }) => void): void;
  off(event: 'message', listener: (e: { data: unknown; ports?: LivePortLike[] }) => void): void;
}

/** The channel to the parent: Electron's parentPort, else Node's IPC channel. */
function parentChannel(): RpcChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message: RpcMessage) => parentPort.postMessage(message),
      onMessage: (listener) => {
        const h = (e: { data: unknown }): void => listener(e.data);
        parentPort.on('message', h);
        return () => parentPort.off('message', h);
      },
    };
  }
  if (!process.send) throw new Error('The engine host must be started by the app (no parent channel).');
  return {
    send: (message: RpcMessage) => void process.send!(message),
    onMessage: (listener) => {
      process.on('message', listener);
      return () => void process.off('message', listener);
    },
  };
}

/**
 * The live engine process: its own engine, live sessions over the parent channel (web mode) or over
 * ports the Electron main process hands over ({ type: 'live-port' } with the port attached).
 */
function liveMain(config: EngineHostConfig): void {
  const service = createVoiceService({ ...config, exportSink: returnBytes });
  const host = new LiveHost(() => service.engine());
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    parentPort.on('message', (e) => {
      if ((e.data as { type?: string })?.type === 'live-port' && e.ports?.[0]) host.attachPort(e.ports[0]);
    });
  } else {
    const channel = parentChannel();
    host.attachChannel((m) => channel.send(m as unknown as RpcMessage), (listener) => void channel.onMessage(listener));
  }
  const shutdown = async (): Promise<void> => {
    host.dispose();
    await service.dispose().catch(() => {});
    process.exit(0);
  };
  process.on('disconnect', () => void shutdown());
}

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as EngineHostConfig;
  if (config.mode === 'live') return liveMain(config);
  const service = createVoiceService({ ...config, exportSink: returnBytes });
  const channel = parentChannel();
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stop();
    await service.dispose().catch(() => {});
    process.exit(0);
  };
  const stop = serveRpc(channel, createHandlerTable(service), service, () => void shutdown());
  // A Node parent that dies closes the IPC channel: do not linger as an orphan holding the models.
  process.on('disconnect', () => void shutdown());
}

main();
