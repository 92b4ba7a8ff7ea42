// Progress is pushed, not polled (issue 15): while a conversion runs the page holds one WebSocket to
// /api/events and calls getJob only to resync after the start and to fetch the result at the end,
// not every 150 ms as before. Web mode (Electron pushes over IPC, which a spec cannot count).
import { expect, test } from './fixtures';
import { longCathyWav } from './helpers';

test('a conversion follows pushed events over one WebSocket, with no getJob polling', async ({ appPage: page, webHost }) => {
  test.skip(!webHost, 'counts HTTP calls and WebSockets of web mode');
  // Generous: on a loaded 2-core machine the analysis and conversion can take minutes.
  test.setTimeout(300_000);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(new URL(ws.url()).pathname));
  // 74 s of speech: long enough that the stage label changes several times at this engine's speed.
  await page.getByLabel('Open audio file').setInputFiles(longCathyWav(24));
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 60_000 });
  const target = (await page.getByTestId('target-label').textContent())!;

  const getJobs: number[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/api/getJob')) getJobs.push(Date.now());
  });
  const stages = new Set<string>();
  const t0 = Date.now();
  await page.getByRole('button', { name: `Convert to ${target}` }).click();
  // Watch the stage label change while the job runs: it is driven by pushed events only.
  while ((await page.getByTestId('wave-converted').count()) === 0 && Date.now() - t0 < 200_000) {
    // A short timeout: the stage label goes away when the job ends, and textContent() would otherwise
    // wait for it until the test's own timeout.
    const s = await page.getByTestId('stage').textContent({ timeout: 200 }).catch(() => null);
    if (s) stages.add(s);
    await page.waitForTimeout(50);
  }
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const seconds = (Date.now() - t0) / 1000;
  expect(stages.size).toBeGreaterThan(2);
  // One resync after the start, one fetch of the result: a 150 ms poll would have made ~7 per second.
  expect(getJobs.length, `getJob calls in ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(2);
  expect(sockets.filter((p) => p.endsWith('/api/events'))).toHaveLength(1);
});
