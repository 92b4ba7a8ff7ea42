// Issue 14, "No lost voices": with the app open in web mode, the user enrolls a voice from the command
// line, the app shows it, and renaming another voice in the app keeps it (before the fix the rename
// rewrote the library from the app's stale copy: the CLI's voice vanished and its files were orphaned).
// The CLI is the real one (`tsx src/cli.ts`) pointed at the web server's data folder.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, ROOT } from './fixtures';

const run = promisify(execFile);
/** A 6 s CC0 speech clip shipped in the repository (assets/demo/README.md). */
const SPEECH = path.join(ROOT, 'assets', 'demo', 'demo.wav');

/** Runs `vc <args>` against the web server's voice library. */
function vc(dataDir: string, ...args: string[]) {
  return run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, VOICESHIFT_DATA_DIR: dataDir },
    timeout: 180_000,
  });
}

test('a voice enrolled with the CLI while the app is open shows up and survives a rename in the app', async ({ appPage: page, webHost }) => {
  test.skip(!webHost, 'the CLI shares the data folder of web mode; the Electron app uses its own userData folder');
  test.setTimeout(300_000);
  const dataDir = webHost!.dataDir;
  const yours = page.getByRole('list', { name: 'Your voices' });

  // In the app: load the demo clip and enroll it as "Bo".
  await page.getByRole('button', { name: 'Try the demo clip' }).click();
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('textbox', { name: 'New voice name' }).fill('Bo');
  await page.getByRole('button', { name: 'Enroll' }).click();
  await expect(page.getByText('Enrolled “Bo”')).toBeVisible({ timeout: 60_000 });
  await expect(yours.getByRole('button', { name: 'Use Bo' })).toBeVisible();

  // In a terminal, with the app still open: vc enroll <speech> --name Ana
  const enrolled = await vc(dataDir, 'enroll', SPEECH, '--name', 'Ana');
  expect(enrolled.stdout).toMatch(/Enrolled "Ana" as user-/);

  // Back in the app, the voice list refreshed (a reload of the page): Ana is there, next to Bo.
  await page.reload();
  await expect(yours.getByRole('button', { name: 'Use Ana' })).toBeVisible({ timeout: 30_000 });
  await expect(yours.getByRole('button', { name: 'Use Bo' })).toBeVisible();

  // The user renames Bo in the app.
  await yours.getByRole('button', { name: 'Rename Bo' }).click();
  await yours.getByRole('textbox', { name: 'New name for Bo' }).fill('Bo Two');
  await yours.getByRole('button', { name: 'Save' }).click();
  await expect(yours.getByRole('button', { name: 'Use Bo Two' })).toBeVisible();

  // Ana is still there: in the app now, after another reload, and for the CLI.
  await expect(yours.getByRole('button', { name: 'Use Ana' })).toBeVisible();
  await page.reload();
  await expect(yours.getByRole('button', { name: 'Use Ana' })).toBeVisible({ timeout: 30_000 });
  await expect(yours.getByRole('button', { name: 'Use Bo Two' })).toBeVisible();
  const listed = JSON.parse((await vc(dataDir, 'voices', '--json')).stdout) as { voices: { id: string; name: string; kind: string }[] };
  const mine = listed.voices.filter((v) => v.kind === 'enrolled');
  expect(mine.map((v) => v.name).sort()).toEqual(['Ana', 'Bo Two']);

  // Nothing orphaned: each voice has exactly its record copy and its preview on disk.
  const files = fs.readdirSync(path.join(dataDir, 'voices')).sort();
  expect(files).toEqual(mine.flatMap((v) => [`${v.id}.json`, `${v.id}.s16`]).sort());
});
