// A user opens "About & credits" and sees where each built-in voice comes from and under which licence.
import { expect, test } from './fixtures';

test('the credits list every built-in voice with its source and licence', async ({ appPage }) => {
  const credits = appPage.getByTestId('credits');
  await credits.getByText('About & credits').click();
  const rows = credits.locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const count = await rows.count();
  expect(count).toBeGreaterThanOrEqual(12);
  // Real voices from the CC BY corpora carry their attribution; every row names a licence.
  await expect(credits.locator('tbody')).toContainText('CC BY 4.0');
  for (let i = 0; i < count; i++) await expect(rows.nth(i).locator('td').nth(2)).not.toBeEmpty();
  await expect(credits).toContainText('LibriSpeech ASR corpus');
  await expect(credits).toContainText('speechocean762');
});
