// A user opens a clip and plays it at once: the analysis that arrives a moment later marks the
// flagged stretch on the waveform without stopping the playback.
import { expect, test } from './fixtures';
import { buzzBetweenWav } from './helpers';

test('the analysis marks a buzz on the waveform while the clip keeps playing', async ({ appPage: page }) => {
  await page.getByLabel('Open audio file').setInputFiles(buzzBetweenWav(12));
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();

  await expect(page.getByLabel(/^Anomaly scores: [1-9]\d* flagged region/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByLabel(/^Flagged \d+\.\d–\d+\.\d s/).first()).toBeAttached();
  // Still playing: the button says Pause and the clock moves on.
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  const position = page.getByTestId('position');
  const then = (await position.textContent()) ?? '';
  await expect(position).not.toHaveText(then);
  await expect(position).not.toHaveText(/^0:00\.0 /);
});
