// First step of `npm test` (run with tsx): checks what the tests need beyond `npm ci` (Node 20.19+, Debian's Chromium
// for the e2e specs, sox and espeak-ng, and the Python packages of the training smoke test), and on a
// Debian/Ubuntu machine where apt may run (root, or sudo without a password) installs what is missing,
// saying so in one message. Elsewhere, or with VOICESHIFT_NO_INSTALL=1, it names the commands and fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The oldest Node the tests run on (Vite 8 asks for ^20.19 || >=22.12). */
export const MIN_NODE: readonly [number, number] = [20, 19];
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const PY_MODULES = ['torch', 'numpy', 'scipy', 'soundfile'];

/** One thing the tests need and this machine lacks, with the Debian packages that provide it. */
export interface Missing {
  what: string;
  apt: string[];
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Whether `version` ("20.19.1") is at least MIN_NODE. */
export function nodeIsRecentEnough(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/**
 * What the tests need and this machine lacks.
 * @param env where to look (defaults: $CHROMIUM_PATH or /usr/bin/chromium, $PYTHON or /usr/bin/python3, $PATH)
 */
export function missingPrereqs(env: { chromium?: string; python?: string; has?: (cmd: string) => boolean } = {}): Missing[] {
  const chromium = env.chromium ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const python = env.python ?? PYTHON;
  const has = env.has ?? onPath;
  const missing: Missing[] = [];
  if (!fs.existsSync(chromium)) missing.push({ what: `Chromium (${chromium}) for the end-to-end specs`, apt: ['chromium', 'fonts-dejavu-core'] });
  for (const cmd of ['sox', 'espeak-ng']) if (!has(cmd)) missing.push({ what: `${cmd} (test clips, training smoke test)`, apt: [cmd] });
  const probe = spawnSync(python, ['-c', `import ${PY_MODULES.join(', ')}`], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    missing.push({ what: `Python packages ${PY_MODULES.join(', ')} for ${python} (training package tests)`, apt: ['python3-torch', 'python3-numpy', 'python3-scipy', 'python3-soundfile'] });
  }
  return missing;
}

/** 'root', 'sudo' (passwordless), or null when apt-get cannot be run here without asking. */
function aptRunner(): 'root' | 'sudo' | null {
  if (process.platform !== 'linux' || !onPath('apt-get')) return null;
  if (process.getuid?.() === 0) return 'root';
  return onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0 ? 'sudo' : null;
}

const INSTALL_HINT = [
  '  sudo apt-get install -y chromium fonts-dejavu-core',
  '  bash models/train/install-deps.sh --minimal      # python3-torch, numpy, scipy, soundfile, sox, espeak-ng',
].join('\n');

function main(): void {
  if (!nodeIsRecentEnough(process.versions.node)) {
    console.error(`npm test needs Node ${MIN_NODE.join('.')} or newer (this is ${process.versions.node}).`);
    process.exit(1);
  }
  const missing = missingPrereqs();
  if (missing.length === 0) return;
  const list = missing.map((m) => `  - ${m.what}`).join('\n');
  const runner = process.env.VOICESHIFT_NO_INSTALL === '1' ? null : aptRunner();
  if (!runner) {
    console.error(`npm test needs these, which are missing:\n${list}\nOn Debian/Ubuntu install them with:\n${INSTALL_HINT}`);
    process.exit(1);
  }
  const log = path.join(ROOT, 'test-results', 'prereqs-install.log');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  console.log(`npm test: installing what the tests need with apt (once; log in ${path.relative(ROOT, log)}):\n${list}`);
  const sudo = runner === 'sudo' ? 'sudo -n ' : '';
  const script = [
    'set -e',
    'export DEBIAN_FRONTEND=noninteractive',
    `${sudo}apt-get update -qq`,
    `${sudo}apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core`,
    'bash models/train/install-deps.sh --minimal',
  ].join('\n');
  const fd = fs.openSync(log, 'w');
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const still = missingPrereqs();
  if (still.length > 0) {
    console.error(`The install did not finish (apt exit ${r.status}; see ${log}); still missing:\n${still.map((m) => `  - ${m.what}`).join('\n')}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
