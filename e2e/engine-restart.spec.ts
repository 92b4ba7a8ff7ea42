// The engine runs in its own process (issue 15). Killing it in the middle of a conversion must not
// leave the page waiting: the conversion fails with a plain message that the engine was restarted,
// and the next conversion runs on the new engine. Web mode only (the Electron app's utilityProcess
// cannot be reached from a spec).
import { execFileSync } from 'node:child_process';
import { expect, test } from './fixtures';
import { longCathyWav } from './helpers';

/** Pids of the engine processes below `root` (the web host's process tree). */
function enginePids(root: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) if (below.has(r.ppid) && !below.has(r.pid)) (below.add(r.pid), (grew = true));
  }
  return rows.filter((r) => below.has(r.pid) && r.pid !== root && /engine-process[\\/]host/.test(r.args)).map((r) => r.pid);
}

test('a conversion whose engine process dies says so in plain words, and the next one runs', async ({ appPage: page, webHost }) => {
  test.skip(!webHost, 'the engine process is reachable from a spec in web mode only');
  await page.getByLabel('Open audio file').setInputFiles(longCathyWav(24));
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 60_000 });
  const target = (await page.getByTestId('target-label').textContent())!;

  await page.getByRole('button', { name: `Convert to ${target}` }).click();
  await expect(page.getByTestId('stage')).toHaveText(/^(?!Starting$|Queued$)\w.*/);
  const pids = enginePids(webHost!.process.pid!);
  expect(pids).toHaveLength(1);
  process.kill(pids[0], 'SIGKILL');

  await expect(page.getByRole('alert').filter({ hasText: 'engine stopped and was restarted' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('progressbar', { name: 'Conversion progress' })).toHaveCount(0);
  await expect(page.getByTestId('wave-converted')).toHaveCount(0);

  // A new engine serves the next conversion.
  await page.getByRole('button', { name: 'Try the demo clip' }).click();
  await expect(page.getByTestId('source-name')).toHaveText('demo');
  await page.getByRole('button', { name: `Convert to ${target}` }).click();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });
  const after = enginePids(webHost!.process.pid!);
  expect(after).toHaveLength(1);
  expect(after[0]).not.toBe(pids[0]);
});
