// A quiet take (speech peaking at -63 dBFS, as from a microphone far away) is speech, not silence:
// the quality check says it is very quiet and offers to normalize it, and the normalized take converts.
import { expect, test } from './fixtures';
import { quietCathyWav, shot } from './helpers';

test('quiet speech is offered normalization instead of being called silent', async ({ appPage: page }) => {
  await page.getByLabel('Open audio file').setInputFiles(quietCathyWav('arctic_a0005_1592748459', -63));
  await expect(page.getByTestId('verdict')).toBeVisible();
  const why = page.getByRole('list', { name: 'Why' });
  await expect(why).toContainText('very quiet');
  await expect(why).not.toContainText('silent');
  await shot(page, 'quiet-01-offered');

  await page.getByRole('button', { name: 'Normalize level' }).click();
  await expect(page.getByTestId('source-name')).toHaveText(/\(normalized\)$/);
  await expect(page.getByTestId('verdict')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Normalize level' })).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'Why' })).not.toContainText('very quiet');

  await page.getByRole('button', { name: /^Convert to / }).click();
  await expect(page.getByTestId('wave-converted')).toHaveAttribute('data-ready', 'true', { timeout: 150_000 });
});
