// A user opens a file that is not audio: the app says so in plain words and what to do, and keeps
// working: the demo clip loads and shows its waveform afterwards. The layout also holds at 1920x1080
// in the dark theme.
import fs from 'node:fs';
import path from 'node:path';
import { expect, ROOT, test } from './fixtures';
import { corruptFile, shot } from './helpers';

test('a corrupt file shows an error and the app keeps working', async ({ appPage: page }) => {
  await page.getByLabel('Open audio file').setInputFiles(corruptFile('broken.mp3'));
  const alert = page.getByRole('alert').filter({ hasText: 'could not be read as audio' });
  await expect(alert).toContainText('This file could not be read as audio');
  await expect(alert).toContainText('broken.mp3');
  await expect(alert).toContainText('Pick a WAV, MP3, FLAC, OGG or M4A file');
  await shot(page, 'error-01-corrupt-file');

  await page.getByRole('button', { name: 'Try the demo clip' }).click();
  await expect(page.getByText('This file could not be read as audio')).toHaveCount(0);
  await expect(page.getByTestId('source-name')).toHaveText('demo');
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  expect(Number(await page.getByTestId('source-duration').getAttribute('data-seconds'))).toBeCloseTo(6.09, 1);

  // A file dropped on the input panel loads too.
  const b64 = fs.readFileSync(path.join(ROOT, 'assets', 'demo', 'demo.wav')).toString('base64');
  // (Runs in the page; the spec's own types have no DOM, hence the casts.)
  const dataTransfer = await page.evaluateHandle((data) => {
    const g = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: unknown[], name: string, o: object) => unknown };
    const dt = new g.DataTransfer();
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    dt.items.add(new g.File([bytes], 'dropped.wav', { type: 'audio/wav' }));
    return dt;
  }, b64);
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('source-name')).toHaveText('dropped.wav');
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');

  // The dark theme follows the system, and the layout uses a 1920x1080 screen.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect(page.getByRole('heading', { name: '4 Compare' })).toBeInViewport();
  await shot(page, 'layout-1920-dark');

  // The optional spectrogram under the waveform.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('checkbox', { name: 'Spectrogram' }).check();
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByLabel('A · Source spectrogram').locator('canvas').first()).toBeVisible();
  await page.waitForTimeout(300);
  await shot(page, 'compare-spectrogram');
});
