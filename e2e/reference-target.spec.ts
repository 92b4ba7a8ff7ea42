// Converting toward a recording without enrolling it (issue 15): a user opens a clip, picks another
// recording as a one-shot target, converts, and the voice library stays as it was. The comparison
// bundle of that result carries the reference; picking a library voice ends the one-shot target.
import path from 'node:path';
import { expect, test } from './fixtures';
import { CATHY, cathyWav, downloadedBytes, shot } from './helpers';
import { readStoredZip } from '../src/audio/zip-store';

test('convert toward a reference recording that is not saved', async ({ appPage: page }) => {
  await page.getByLabel('Open audio file').setInputFiles(cathyWav('arctic_a0022_1592748054'));
  await expect(page.getByTestId('source-name')).toHaveText('arctic_a0022_1592748054.wav');

  // The reference: another recording, opened in step 2, not enrolled.
  await page.getByLabel('Open reference recording').setInputFiles(path.join(CATHY, 'arctic_a0023_1592748016.flac'));
  await expect(page.getByTestId('reference-target')).toContainText('arctic_a0023_1592748016.flac');
  await expect(page.getByTestId('target-label')).toHaveText('arctic-a0023-1592748016 (one-shot)');
  await expect(page.getByRole('list', { name: 'Built-in voices' }).getByRole('button', { pressed: true })).toHaveCount(0);
  await shot(page, 'reference-01-chosen');

  await page.getByRole('button', { name: 'Convert to arctic-a0023-1592748016 (one-shot)' }).click();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  await expect(page.getByTestId('history-item')).toContainText('(one-shot)');
  await shot(page, 'reference-02-converted');

  // Nothing was added to the library.
  await expect(page.getByText('None yet: enroll one below.')).toBeVisible();

  // The bundle holds the reference too.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save comparison bundle' }).click();
  const { bytes } = await downloadedBytes(await download);
  const files = readStoredZip(bytes);
  expect(files.map((f) => f.name)).toEqual(['source.wav', 'reference.wav', 'result.wav', 'metrics.json', 'spectrogram.png']);
  const metrics = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'metrics.json')!.bytes));
  expect(metrics.settings).toMatchObject({ target: 'reference', voice: 'arctic-a0023-1592748016 (one-shot)' });

  // Picking a library voice ends the one-shot target.
  const first = page.getByRole('list', { name: 'Built-in voices' }).getByRole('button', { name: /^Use / }).first();
  await first.click();
  await expect(page.getByTestId('reference-target')).toHaveCount(0);
  await expect(page.getByTestId('target-label')).not.toContainText('one-shot');
});
