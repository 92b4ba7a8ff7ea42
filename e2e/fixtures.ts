// The app under test, launched the way a user launches it: web mode (the `src/server/main.ts` host in
// Debian's Chromium) by default, or the Electron app when VOICESHIFT_E2E=electron and a binary exists.
// Specs only use `page`, so the same spec runs on both.
import { test as base, chromium, _electron as electron, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium flags this environment needs (DESIGN §8), plus a fake microphone fed from `micFile`. */
export function chromiumArgs(micFile?: string): string[] {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  ];
  if (micFile) args.push(`--use-file-for-fake-audio-capture=${micFile}`);
  return args;
}

interface WebHost {
  url: string;
  origin: string;
  token: string;
  process: ChildProcess;
  dataDir: string;
}

/** Starts web mode on a free port with a fresh user data directory; resolves with its URL. */
export async function startWebHost(): Promise<WebHost> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voiceshift-e2e-'));
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, ['src/server/main.ts', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, VOICESHIFT_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<WebHost>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`web mode did not start: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const msg = JSON.parse(line) as { event: string; url: string; origin: string; token: string };
          if (msg.event === 'listening') {
            clearTimeout(timer);
            resolve({ ...msg, process: child, dataDir });
          }
        } catch {
          // a partial line; wait for more
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`web mode exited with ${code}: ${stderr}`)));
  });
}

type Fixtures = { micFile: string | undefined; appPage: Page; webHost: WebHost | null };

export const test = base.extend<Fixtures>({
  micFile: [undefined, { option: true }],
  webHost: async ({}, use) => {
    if (process.env.VOICESHIFT_E2E === 'electron') return use(null);
    const host = await startWebHost();
    await use(host);
    host.process.kill('SIGTERM');
    fs.rmSync(host.dataDir, { recursive: true, force: true });
  },
  appPage: async ({ micFile, webHost }, use) => {
    if (!webHost) {
      const app = await electron.launch({ args: [ROOT, ...chromiumArgs(micFile)], cwd: ROOT });
      const page = await app.firstWindow();
      await use(page);
      await app.close();
      return;
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(micFile) });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    await context.grantPermissions(['microphone'], { origin: webHost.origin });
    const page = await context.newPage();
    await page.goto(webHost.url);
    await use(page);
    await context.close();
    await browser.close();
  },
});

export { expect } from '@playwright/test';
