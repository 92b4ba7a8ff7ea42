// Entry point of web mode (`npm run web`, or `npm start` where no Electron binary exists): serves the
// renderer and the VoiceApi on 127.0.0.1 with a per-launch token and prints the URL to open.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHandlerTable } from '../api/handlers.js';
import { appPaths, defaultUserDataDir } from '../paths.js';
import { createVoiceService, returnBytes } from '../service.js';
import { startWebServer } from './web-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.VOICESHIFT_PORT ?? 0);
  const reason = args.includes('--reason') ? args[args.indexOf('--reason') + 1] : undefined;
  const paths = appPaths(root);
  const service = createVoiceService({ root, userDataDir: defaultUserDataDir(), exportSink: returnBytes });
  const server = await startWebServer({ handlers: createHandlerTable(service), staticDir: paths.renderer, port });
  if (reason) console.log(reason);
  console.log(`VoiceShift web mode: open ${server.url}`);
  console.log('Listening on 127.0.0.1 only; the token in the URL is new at every launch. Ctrl+C stops.');
  // A machine-readable line for scripts and the e2e fixture.
  console.log(JSON.stringify({ event: 'listening', url: server.url, origin: server.origin, token: server.token }));
  const stop = async (): Promise<void> => {
    await server.close();
    await service.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`VoiceShift web mode failed to start: ${(err as Error).message}`);
  process.exit(1);
});
