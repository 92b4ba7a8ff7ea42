// A newcomer's first conversion: open the app, press "Try the demo clip", press Convert. The target
// the app starts with must be clearly unlike the demo's speaker (assets/demo/demo.json): another
// gender, a few semitones apart, and the result must sound more like that voice than like the demo.
// Which voice that is depends on the model's built-in voices, so no voice is named here.
import fs from 'node:fs';
import path from 'node:path';
import { expect, ROOT, test } from './fixtures';
import { shot } from './helpers';

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
  const toTarget = Number(await page.getByTestId('sim-target').textContent());
  const toSource = Number(await page.getByTestId('sim-source').textContent());
  expect(toTarget).toBeGreaterThan(toSource);
  await shot(page, 'demo-01-first-conversion');
});
