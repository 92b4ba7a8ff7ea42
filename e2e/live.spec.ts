// Live mode as a user meets it (issue 16): with Chromium's fake microphone fed a real CC0 speech clip,
// the user picks a voice, goes live, sees the input and the converted output move on the meters and a
// latency figure split into its parts, stops, and finds the session in the history, where it can be
// compared and exported like any conversion.
import { expect, test } from './fixtures';
import { cathyWav, downloadedWav, shot } from './helpers';

// "Will we ever forget it." with a second of silence, looped by the fake microphone.
test.use({ micFile: cathyWav('arctic_a0005_1592748459', 1) });

test('go live with the microphone, see output levels and the latency, stop, find the recording in the history', async ({ appPage: page }) => {
  // Step 2's choice is the live target: pick the first male built-in voice.
  const builtins = page.getByRole('list', { name: 'Built-in voices' });
  const first = builtins.getByRole('list', { name: 'Male', exact: true }).getByRole('button', { name: /^Use / }).first();
  const voiceName = ((await first.getAttribute('aria-label')) ?? '').replace(/^Use /, '');
  await first.click();
  const panel = page.getByRole('region', { name: 'Live' });
  await expect(panel.getByTestId('live-target')).toHaveText(voiceName);
  await expect(panel.getByRole('combobox', { name: 'Live input device' })).toBeVisible();

  // Go live: the button turns into Stop, the input meter moves with the speech, then the output one.
  await panel.getByRole('button', { name: 'Go live' }).click();
  await expect(panel.getByRole('button', { name: 'Stop live' })).toBeVisible({ timeout: 120_000 });
  const inMeter = panel.getByRole('meter', { name: 'Live microphone level' });
  const outMeter = panel.getByRole('meter', { name: 'Live converted level' });
  await expect.poll(async () => Number(await inMeter.getAttribute('aria-valuenow')), { timeout: 15_000 }).toBeGreaterThan(10);
  await expect.poll(async () => Number(await outMeter.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(10);

  // A latency figure with its parts: block, lookahead, compute, transport, device buffers.
  const total = panel.getByTestId('live-latency-total');
  await expect(total).toHaveText(/^\d+ ms$/, { timeout: 15_000 });
  // the streaming graphs' default: 32 ms blocks, 2 frames (32 ms) of lookahead + 16 ms of synthesis window
  await expect(panel.getByTestId('live-part-block')).toHaveText('32 ms');
  await expect(panel.getByTestId('live-part-lookahead')).toHaveText(/^\d+ ms$/);
  await expect(panel.getByTestId('live-part-compute')).toHaveText(/^\d+ ms$/);
  await expect(panel.getByTestId('live-part-transport')).toHaveText(/^\d+ ms$/, { timeout: 15_000 });
  await expect(panel.getByTestId('live-part-device')).toHaveText(/^\d+ ms$/);
  const ms = Number(await total.getAttribute('data-ms'));
  expect(ms).toBeGreaterThan(80);
  expect(ms).toBeLessThan(1000);
  // The measured figure (capture of a sample to the playing of its converted sample, in the audio
  // thread) is at least the algorithmic part (block + lookahead + window = 80 ms) and agrees with the sum.
  const measured = panel.getByTestId('live-latency-measured');
  await expect(measured).toHaveText(/^\d+ ms$/, { timeout: 15_000 });
  const mms = Number(await measured.getAttribute('data-ms'));
  expect(mms).toBeGreaterThan(80);
  expect(Math.abs(mms - ms)).toBeLessThan(Math.max(60, 0.4 * ms));
  await expect(panel.getByTestId('live-dropouts')).toHaveText(/^\d+$/);
  // Keep talking for a few seconds, then stop.
  await page.waitForTimeout(4000);
  await shot(page, 'live-01-running');
  await panel.getByRole('button', { name: 'Stop live' }).click();
  await expect(panel.getByRole('button', { name: 'Go live' })).toBeVisible({ timeout: 15_000 });

  // The session is in the history, on screen in the comparison, and exports as a WAV.
  const item = page.getByTestId('history-item').first();
  await expect(item).toContainText(/live-\d{6}/);
  await expect(item).toContainText(voiceName);
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  await shot(page, 'live-02-in-history');
  await expect(page.getByRole('textbox', { name: 'File name' })).toHaveValue(/^live-as-/);
  const wavDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export WAV' }).click();
  const { info } = await downloadedWav(await wavDownload);
  expect(info.durationSec).toBeGreaterThan(3);
});
