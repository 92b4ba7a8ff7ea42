// Compare panel details a first user trips over: the clock starts again at 0 with the cursor (after
// the spectrogram toggle and for a new clip), and Space plays even when the Spectrogram checkbox kept
// the focus after a click, while a checkbox reached with Tab still toggles with Space.
import { expect, test } from './fixtures';
import { cathyWav } from './helpers';

test('the clock resets with the cursor, and Space plays after clicking the Spectrogram box', async ({ appPage: page }) => {
  await page.getByRole('button', { name: 'Try the demo clip' }).click();
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');
  const position = page.getByTestId('position');

  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await page.waitForTimeout(1000);
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  await expect(position).not.toHaveText(/^0:00\.0 /);

  // Clicking the checkbox rebuilds the views: cursor and clock both at the start.
  const box = page.getByRole('checkbox', { name: 'Spectrogram' });
  await box.click();
  await expect(box).toBeChecked();
  await expect(position).toHaveText(/^0:00\.0 /);
  await expect(page.getByTestId('wave-source')).toHaveAttribute('data-ready', 'true');

  // Space now plays; the box keeps its state.
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await expect(box).toBeChecked();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  await expect(box).toBeChecked();

  // Reached with Tab, the box is the keyboard's: Space toggles it.
  await box.focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await expect(box).toBeFocused();
  await page.keyboard.press('Space');
  await expect(box).not.toBeChecked();

  // A new clip: the clock starts at 0 again.
  await page.keyboard.press('Space'); // toggles back on
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await page.waitForTimeout(800);
  await page.keyboard.press('Space');
  await expect(position).not.toHaveText(/^0:00\.0 /);
  await page.getByLabel('Open audio file').setInputFiles(cathyWav('arctic_a0005_1592748459'));
  await expect(page.getByTestId('source-name')).toHaveText('arctic_a0005_1592748459.wav');
  await expect(position).toHaveText(/^0:00\.0 /);
});
