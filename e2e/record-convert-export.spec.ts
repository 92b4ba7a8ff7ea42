// A user records a sentence through the microphone (Chromium's fake microphone, fed a real CC0
// speech clip), converts it to a built-in voice, compares both waveforms with the A/B switch and
// exports the result, which must decode with the expected duration.
import { expect, test } from './fixtures';
import { cathyWav, downloadedBytes, downloadedWav, readFlacInfo, shot, sourceSeconds } from './helpers';

// "Will we ever forget it." padded with a second of silence so the looped fake mic has gaps.
test.use({ micFile: cathyWav('arctic_a0005_1592748459', 1) });

test('record from the microphone, convert to a built-in voice, compare A/B, export WAV and FLAC', async ({ appPage: page }) => {
  // Record about four seconds; the level meter moves while speech arrives.
  const record = page.getByRole('button', { name: /Record/ });
  await expect(record).toBeEnabled();
  await record.click();
  await expect(page.getByRole('button', { name: /Stop/ })).toBeVisible();
  const meter = page.getByRole('meter', { name: 'Input level' });
  await expect.poll(async () => Number(await meter.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(10);
  await expect.poll(async () => page.getByTestId('elapsed').textContent(), { timeout: 15_000 }).toMatch(/^0:0[4-9]/);
  await shot(page, 'main-01-recording');
  await page.getByRole('button', { name: /Stop/ }).click();

  // The take is checked, and its waveform appears.
  await expect(page.getByTestId('source-name')).toHaveText(/^recording-/);
  const seconds = await sourceSeconds(page);
  expect(seconds).toBeGreaterThan(3.5);
  await expect(page.getByTestId('verdict')).toBeVisible();
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  await shot(page, 'main-02-recorded-and-checked');

  // Pick the first male built-in voice (the speaker is female) and convert.
  const builtins = page.getByRole('list', { name: 'Built-in voices' });
  const first = builtins.getByRole('list', { name: 'Male', exact: true }).getByRole('button', { name: /^Use / }).first();
  const voiceName = ((await first.getAttribute('aria-label')) ?? '').replace(/^Use /, '');
  await first.click();
  await expect(page.getByTestId('target-label')).toHaveText(voiceName);
  await page.getByRole('button', { name: `Convert to ${voiceName}` }).click();
  await expect(page.getByRole('progressbar', { name: 'Conversion progress' })).toBeVisible();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  // The meter: the verifier's verdict for real (fake-microphone) speech, with the number on hover.
  await expect(page.getByTestId('sim-target')).toHaveText(/^(likely|unclear|unlikely)$/);
  const cos = Number(await page.getByTestId('sim-target').getAttribute('data-cosine'));
  expect(cos).toBeGreaterThan(-1);
  expect(cos).toBeLessThanOrEqual(1);

  // Play, then switch A/B: the position is kept.
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await page.waitForTimeout(1200);
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  const before = await page.getByTestId('position').textContent();
  expect(before).not.toMatch(/^0:00\.0/);
  await page.keyboard.press('b');
  await expect(page.getByRole('radio', { name: 'A · Source' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('position')).toHaveText(before!);
  await page.keyboard.press('b');
  await expect(page.getByRole('radio', { name: 'B · Converted' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('slider', { name: 'Zoom (pixels per second)' }).fill('200');
  await shot(page, 'main-03-compare');
  await page.getByRole('slider', { name: 'Zoom (pixels per second)' }).fill('0');

  // Export a 16 kHz 16-bit WAV with the suggested name.
  await expect(page.getByRole('textbox', { name: 'File name' })).toHaveValue(/^recording-\d+-as-/);
  await page.getByRole('combobox', { name: 'Sample rate' }).selectOption('16000');
  const wavDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export WAV' }).click();
  const { info, name } = await downloadedWav(await wavDownload);
  expect(name).toMatch(/^recording-\d+-as-.+\.wav$/);
  expect(info.sampleRate).toBe(16000);
  expect(info.bitsPerSample).toBe(16);
  expect(info.channels).toBe(1);
  expect(Math.abs(info.durationSec - seconds)).toBeLessThan(0.3);
  await expect(page.getByTestId('export-done')).toContainText('Downloaded');
  await shot(page, 'main-04-exported');

  // And a 48 kHz 24-bit FLAC of the same conversion.
  await page.getByRole('combobox', { name: 'Format' }).selectOption('flac');
  await page.getByRole('combobox', { name: 'Sample rate' }).selectOption('48000');
  await page.getByRole('combobox', { name: 'Bit depth' }).selectOption('24');
  const flacDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export FLAC' }).click();
  const flac = await downloadedBytes(await flacDownload);
  expect(flac.name).toMatch(/\.flac$/);
  const flacInfo = readFlacInfo(flac.bytes);
  expect(flacInfo.sampleRate).toBe(48000);
  expect(flacInfo.bitsPerSample).toBe(24);
  expect(Math.abs(flacInfo.durationSec - seconds)).toBeLessThan(0.3);
  await expect(page.getByTestId('history-item')).toHaveCount(1);
});
