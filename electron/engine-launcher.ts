// Starts the engine in an Electron utilityProcess (a Node child that Electron manages and kills with
// the app), running dist-electron/engine.cjs, the bundle of src/engine-process/host.ts. The main
// process then holds only the window, menus, dialogs and security checks; a crash in the engine
// (native code in onnxruntime included) ends that process, not the app.
import { utilityProcess } from 'electron';
import type { RpcChannel, RpcMessage } from '../src/api/rpc.js';
import type { EngineHostConfig } from '../src/engine-process/host.js';
import { lowerPriority } from '../src/engine-process/priority.js';
import type { EngineLauncher } from '../src/engine-process/supervisor.js';

/**
 * A launcher for the engine's utilityProcess.
 * @param modulePath the bundled engine host (dist-electron/engine.cjs)
 * @param config what the engine host builds its service from
 */
export function utilityEngineLauncher(modulePath: string, config: EngineHostConfig): EngineLauncher {
  return () => {
    const child = utilityProcess.fork(modulePath, [JSON.stringify(config)], {
      serviceName: 'VoiceShift engine',
      stdio: 'inherit',
    });
    child.once('spawn', () => lowerPriority(child.pid));
    let exitListener: ((how: string) => void) | null = null;
    let exitedHow: string | null = null;
    child.on('exit', (code) => {
      exitedHow = `exit code ${code}`;
      exitListener?.(exitedHow);
    });
    const channel: RpcChannel = {
      send: (message: RpcMessage) => child.postMessage(message),
      onMessage: (listener) => {
        child.on('message', listener);
        return () => void child.off('message', listener);
      },
    };
    return {
      channel,
      get pid() {
        return child.pid;
      },
      kill: () => void child.kill(),
      onExit: (listener) => {
        exitListener = listener;
        if (exitedHow !== null) listener(exitedHow);
      },
    };
  };
}
