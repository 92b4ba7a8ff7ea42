// `npm start`: builds what is missing, then opens the Electron app. Where no Electron binary exists
// (it is not downloaded at install; `node node_modules/electron/install.js` fetches it where the
// network allows), it says why and serves the same renderer in web mode on 127.0.0.1 instead.
// `npm start -- --web` (or `npm run web`) goes straight to web mode.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const wantWeb = args.includes('--web');

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function electronBinary() {
  try {
    const p = require('electron');
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function tryDownloadElectron() {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer) || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return;
  console.log('Fetching the Electron binary (once)…');
  spawnSync(process.execPath, [installer], { cwd: root, stdio: 'ignore', timeout: 120_000 });
}

if (!fs.existsSync(path.join(root, 'dist', 'index.html')) || args.includes('--rebuild')) run('npm', ['run', 'build:app']);

let reason = null;
if (!wantWeb) {
  if (!electronBinary()) tryDownloadElectron();
  const bin = electronBinary();
  if (bin) {
    run('npm', ['run', 'build:electron']);
    const child = spawn(bin, [root], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
  } else {
    reason = 'No Electron binary is installed here (it could not be downloaded), so VoiceShift runs in web mode instead.';
  }
}

if (wantWeb || reason) {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const serverArgs = ['src/server/main.ts', ...args.filter((a) => a !== '--web' && a !== '--rebuild')];
  if (reason) serverArgs.push('--reason', reason);
  const child = spawn(tsx, serverArgs, { cwd: root, stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
