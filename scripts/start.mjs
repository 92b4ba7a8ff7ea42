// `npm start`: builds what is missing, then opens the Electron app. Where no Electron binary exists
// (it is not downloaded at install; the first start fetches it once, quietly, where the network
// allows), it says why in one line and serves the same renderer in web mode on 127.0.0.1 instead.
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

// Where the Electron binary is, or null. Reads the package's path.txt itself: `require('electron')`
// would start a download of its own, print its stack traces, and throw.
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  try {
    const rel = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
    const bin = path.join(dist, rel);
    return rel && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

// Tries Electron's own installer once, quietly. Returns null when the binary is there now, else why not.
function downloadElectron() {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer)) return 'the electron package is not installed (run npm ci)';
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  console.log('Fetching the Electron binary (once)…');
  const r = spawnSync(process.execPath, [installer], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (electronBinary()) return null;
  const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const cause = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|fetch failed/.exec(output);
  return cause || r.error?.code === 'ETIMEDOUT' ? 'it could not be downloaded: no connection to its download server' : 'its download failed';
}

if (!fs.existsSync(path.join(root, 'dist', 'index.html')) || args.includes('--rebuild')) run('npm', ['run', 'build:app']);

let reason = null;
if (!wantWeb) {
  const why = electronBinary() ? null : downloadElectron();
  const bin = electronBinary();
  if (bin) {
    run('npm', ['run', 'build:electron']);
    const child = spawn(bin, [root], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
  } else {
    reason = `No Electron binary here (${why}), so VoiceShift runs in web mode instead.`;
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
