// Starts the engine as a Node child process (web mode, tests): a crash, an out-of-memory kill or a
// native fault in the engine ends only that child, never the web server. IPC uses Node's 'advanced'
// serialization (structured clone), so audio crosses as typed arrays, as over Electron's MessagePort.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RpcChannel, RpcMessage } from '../api/rpc.js';
import type { EngineHostConfig } from './host.js';
import { lowerPriority } from './priority.js';
import type { EngineLauncher } from './supervisor.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A launcher that forks host.ts (through tsx) or a built host.js next to this file.
 * @param config what the engine host builds its service from
 */
export function nodeEngineLauncher(config: EngineHostConfig): EngineLauncher {
  const js = path.join(here, 'host.js');
  const entry = fs.existsSync(js) ? js : path.join(here, 'host.ts');
  return () => {
    const child = fork(entry, [JSON.stringify(config)], {
      serialization: 'advanced',
      // Sources run through tsx; the parent's own execArgv (a test runner's, a debugger's) stays out.
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    lowerPriority(child.pid);
    let exitListener: ((how: string) => void) | null = null;
    let exitedHow: string | null = null;
    child.on('exit', (code, signal) => {
      exitedHow = signal ? `signal ${signal}` : `exit code ${code}`;
      exitListener?.(exitedHow);
    });
    // A failed spawn or a channel error ends up as 'exit' too; without a listener 'error' would throw.
    child.on('error', () => {});
    const channel: RpcChannel = {
      send: (message: RpcMessage) => {
        if (!child.connected) throw new Error('The engine process is not connected.');
        child.send(message);
      },
      onMessage: (listener) => {
        child.on('message', listener);
        return () => void child.off('message', listener);
      },
    };
    return {
      channel,
      pid: child.pid,
      kill: () => void child.kill('SIGKILL'),
      onExit: (listener) => {
        exitListener = listener;
        if (exitedHow !== null) listener(exitedHow);
      },
    };
  };
}
