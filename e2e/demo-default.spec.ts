// A newcomer's first conversion: open the app, press "Try the demo clip", press Convert. The target
// the app starts with must be clearly unlike the demo's speaker (assets/demo/demo.json): another
// gender, a few semitones apart, and the result shows the speaker verifier's meter for both the target
// and the demo speaker (whether the voice moved toward the target is checked at the engine level, in
// src/demo-default.test.ts, against the unconverted demo).
// Which voice that is depends on the model's built-in voices, so no voice is named here.
import fs from 'node:fs';
import path from 'node:path';
import { expect, ROOT, test } from './fixtures';
import { shot } from './helpers';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8')) as { models: Record<string, unknown> };
const hasVq = 'content_encoder_vq' in manifest.models && 'decoder_vq' in manifest.models;
const demo = JSON.parse(fs.readFileSync(path.join(ROOT, 'assets', 'demo', 'demo.json'), 'utf8')) as { speaker: { gender: string; meanF0Hz: number } };

test('the demo clip converts by default to a clearly different voice', async ({ appPage: page }) => {
  const builtins = page.getByRole('list', { name: 'Built-in voices' });
  const chosen = builtins.getByRole('button', { pressed: true });
  await expect(chosen).toHaveCount(1);
  const name = (await chosen.locator('.voice-name').textContent())!;
  // Built-in voices are listed under their gender's heading, with their mean F0 ("124 Hz").
  const other = demo.speaker.gender === 'female' ? 'Male' : 'Female';
  await expect(builtins.getByRole('list', { name: other, exact: true }).getByRole('button', { pressed: true })).toHaveCount(1);
  const hz = parseFloat((await chosen.locator('.voice-traits').textContent())!);
  expect(Math.abs(12 * Math.log2(hz / demo.speaker.meanF0Hz))).toBeGreaterThanOrEqual(3);

  await page.getByRole('button', { name: 'Try the demo clip' }).click();
  await expect(page.getByTestId('source-name')).toHaveText('demo');
  await page.getByRole('button', { name: `Convert to ${name}` }).click();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });
  // "Sounds like the target: likely / unclear / unlikely" (or "not shown" with the reason), number on hover.
  const target = page.getByTestId('sim-target');
  const source = page.getByTestId('sim-source');
  await expect(target).toHaveText(/^(likely|unclear|unlikely)$/);
  await expect(source).toHaveText(/^(likely|unclear|unlikely)$/);
  await expect(page.locator('.sim').first()).toHaveAttribute('title', /cosine -?\d\.\d\d, probability of the same speaker \d+%/);
  for (const m of [target, source]) {
    const cos = Number(await m.getAttribute('data-cosine'));
    const p = Number(await m.getAttribute('data-probability'));
    expect(cos).toBeGreaterThanOrEqual(-1);
    expect(cos).toBeLessThanOrEqual(1);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
  }
  await shot(page, 'demo-01-first-conversion');
});

test('the discrete-code option says what it trades, and is disabled with the reason when the export lacks it', async ({ appPage: page }) => {
  const select = page.getByRole('combobox', { name: 'Content codes' });
  await expect(page.getByTestId('variant-note')).toContainText('Discrete codes: stronger conversion, some loss of clarity');
  if (hasVq) {
    await expect(select).toBeEnabled();
    await select.selectOption('vq');
    await expect(select).toHaveValue('vq');
    // A conversion with it: the history says which content path made the result.
    await page.getByRole('button', { name: 'Try the demo clip' }).click();
    await expect(page.getByTestId('source-name')).toHaveText('demo');
    await page.getByRole('button', { name: /^Convert to / }).click();
    await expect(page.getByTestId('history-item')).toHaveCount(1, { timeout: 150_000 });
    await expect(page.getByTestId('history-item')).toContainText('discrete codes');
    await expect(page.getByTestId('sim-target')).toHaveText(/^(likely|unclear|unlikely|not shown)$/);
  } else {
    await expect(select).toBeDisabled();
    await expect(page.getByTestId('variant-note')).toContainText('not available: This model export has no discrete-code (VQ) graphs.');
  }
});
