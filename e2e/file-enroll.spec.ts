// A user opens a speech file, enrolls its speaker as a new voice, converts another clip to that
// voice, then renames and deletes the voice (with confirmation).
import { expect, test } from './fixtures';
import { CATHY, cathyWav, shot } from './helpers';
import path from 'node:path';

test('open a file, enroll a voice from it, convert to the enrolled voice, rename and delete it', async ({ appPage: page }) => {
  // Open a FLAC file through the file dialog's input (decoded by the browser).
  await page.getByLabel('Open audio file').setInputFiles(path.join(CATHY, 'arctic_a0023_1592748016.flac'));
  await expect(page.getByTestId('source-name')).toHaveText('arctic_a0023_1592748016.flac');
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('verdict')).toBeVisible();
  await shot(page, 'file-01-loaded');

  // Enroll it as "Reader".
  await page.getByRole('textbox', { name: 'New voice name' }).fill('Reader');
  await page.getByRole('button', { name: 'Enroll' }).click();
  await expect(page.getByText('Enrolled “Reader”')).toBeVisible({ timeout: 60_000 });
  const yours = page.getByRole('list', { name: 'Your voices' });
  await expect(yours.getByRole('button', { name: 'Use Reader' })).toBeVisible();
  await expect(page.getByTestId('target-label')).toHaveText('Reader');
  await expect(page.getByRole('button', { name: 'Reader on the map' })).toBeVisible();
  await shot(page, 'file-02-enrolled');

  // Load a different clip (WAV) and convert it to the new voice.
  await page.getByLabel('Open audio file').setInputFiles(cathyWav('arctic_a0022_1592748054'));
  await expect(page.getByTestId('source-name')).toHaveText('arctic_a0022_1592748054.wav');
  await page.getByRole('button', { name: 'Convert to Reader' }).click();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  await expect(page.getByTestId('history-item')).toContainText('Reader');
  await shot(page, 'file-03-converted-to-enrolled');

  // Rename, then delete with confirmation.
  await yours.getByRole('button', { name: 'Rename Reader' }).click();
  await yours.getByRole('textbox', { name: 'New name for Reader' }).fill('Reader Two');
  await yours.getByRole('button', { name: 'Save' }).click();
  await expect(yours.getByRole('button', { name: 'Use Reader Two' })).toBeVisible();
  await yours.getByRole('button', { name: 'Delete Reader Two' }).click();
  await expect(yours.getByRole('group', { name: 'Confirm deleting Reader Two' })).toBeVisible();
  await yours.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(yours.getByRole('button', { name: 'Use Reader Two' })).toHaveCount(0);
  await expect(page.getByText('None yet: enroll one below.')).toBeVisible();
});
