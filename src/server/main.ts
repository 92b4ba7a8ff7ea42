// Entry point of web mode (`npm run web`, or `npm start` where no Electron binary exists): serves the
// renderer and the VoiceApi on 127.0.0.1 with a per-launch token and prints the URL to open. The
// engine runs in a child process (src/engine-process) so this process stays responsive while it
// converts; if the engine dies it is restarted and the page is told.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeEngineLauncher } from '../engine-process/node-launcher.js';
import { EngineSupervisor } from '../engine-process/supervisor.js';
import { appPaths, defaultUserDataDir } from '../paths.js';
import { startWebServer } from './web-server.js';
import { processLiveBackend } from './live-backend.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.VOICESHIFT_PORT ?? 0);
  const reason = args.includes('--reason') ? args[args.indexOf('--reason') + 1] : undefined;
  const paths = appPaths(root);
  const engine = new EngineSupervisor(nodeEngineLauncher({ root, userDataDir: defaultUserDataDir() }), {
    onRestart: (how) => console.error(`VoiceShift: the engine process stopped (${how}); starting a new one.`),
  });
  // Live sessions run in a second engine process, started on the first Go live (src/live).
  const live = processLiveBackend(nodeEngineLauncher({ root, userDataDir: defaultUserDataDir(), mode: 'live' }));
  const server = await startWebServer({ handlers: engine.handlers, events: engine, live, staticDir: paths.renderer, port });
  if (reason) console.log(reason);
  console.log(`VoiceShift web mode: open ${server.url}`);
  console.log('Listening on 127.0.0.1 only; the token in the URL is new at every launch. Ctrl+C stops.');
  // A machine-readable line for scripts and the e2e fixture.
  console.log(JSON.stringify({ event: 'listening', url: server.url, origin: server.origin, token: server.token }));
  const stop = async (): Promise<void> => {
    await server.close();
    await live.dispose();
    await engine.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`VoiceShift web mode failed to start: ${(err as Error).message}`);
  process.exit(1);
});
