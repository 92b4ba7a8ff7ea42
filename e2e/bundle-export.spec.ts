// Saving a comparison bundle (issue 14), as a user would: try the demo clip, convert it to the voice the
// app starts with, press "Save comparison bundle", and get one zip holding the source, the result,
// metrics.json and the side-by-side spectrogram (no reference: the app converts to library voices).
// The zip is read back through its central directory with every CRC checked. No voice is named here.
import { expect, test } from './fixtures';
import { downloadedBytes } from './helpers';
import { readStoredZip } from '../src/audio/zip-store';

test('the current result saves as a comparison bundle zip with its four files', async ({ appPage: page }) => {
  const chosen = page.getByRole('list', { name: 'Built-in voices' }).getByRole('button', { pressed: true });
  await expect(chosen).toHaveCount(1);
  const voice = (await chosen.locator('.voice-name').textContent())!;

  await page.getByRole('button', { name: 'Try the demo clip' }).click();
  await expect(page.getByTestId('source-name')).toHaveText('demo');
  await page.getByRole('button', { name: `Convert to ${voice}` }).click();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save comparison bundle' }).click();
  const { bytes, name } = await downloadedBytes(await download);
  expect(name).toMatch(/-bundle\.zip$/);
  await expect(page.getByTestId('export-done')).toHaveText(`Downloaded ${name}`);

  const files = readStoredZip(bytes);
  expect(files.map((f) => f.name)).toEqual(['source.wav', 'result.wav', 'metrics.json', 'spectrogram.png']);
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  expect(Buffer.from(byName.get('source.wav')!.subarray(0, 4)).toString()).toBe('RIFF');
  expect(Buffer.from(byName.get('result.wav')!.subarray(0, 4)).toString()).toBe('RIFF');
  expect(Buffer.from(byName.get('spectrogram.png')!.subarray(1, 4)).toString()).toBe('PNG');
  const metrics = JSON.parse(new TextDecoder().decode(byName.get('metrics.json')));
  expect(metrics.settings).toMatchObject({ voice, target: 'voice', pitchSemitones: 0, variant: 'continuous' });
  expect(metrics.settings.mix).toHaveLength(1);
  expect(metrics.versions.transport).toBe('web');
  expect(metrics.timingsMs.total).toBeGreaterThan(0);
  expect(metrics.soundsLike.toTarget).toHaveProperty('verdict');
  expect(['ok', 'warn', 'reject']).toContain(metrics.qualityGate.input.verdict);
  expect(['ok', 'warn', 'reject']).toContain(metrics.qualityGate.output.verdict);
});
