// The voice list with twenty-odd built-in voices: grouped by gender, searchable by name, id or gender,
// each showing the id the command line takes. No voice is named: the list changes with the model.
import { expect, test } from './fixtures';
import { shot } from './helpers';

test('built-in voices are grouped by gender and found by typing', async ({ appPage: page }) => {
  const builtins = page.getByRole('list', { name: 'Built-in voices' });
  const female = builtins.getByRole('list', { name: 'Female', exact: true });
  const male = builtins.getByRole('list', { name: 'Male', exact: true });
  await expect(female.getByRole('listitem').first()).toBeVisible();
  const females = await female.getByRole('listitem').count();
  const males = await male.getByRole('listitem').count();
  expect(females).toBeGreaterThan(0);
  expect(males).toBeGreaterThan(0);
  for (const text of await builtins.locator('.voice-traits').allTextContents()) expect(text).toMatch(/^\d+ Hz$/);
  await shot(page, 'voices-01-grouped');

  const search = page.getByRole('searchbox', { name: 'Find a voice' });
  await search.fill('male');
  await expect(female).toHaveCount(0);
  await expect(male.getByRole('listitem')).toHaveCount(males);
  await search.fill('FEMALE');
  await expect(male).toHaveCount(0);
  await expect(female.getByRole('listitem')).toHaveCount(females);

  // A voice's id, as shown in its row, finds exactly that voice.
  await search.fill('');
  const id = (await male.locator('.voice-id').first().textContent())!;
  await search.fill(id.toUpperCase());
  await expect(builtins.locator('.voice-id')).toHaveText([id]);

  await search.fill('no such voice anywhere');
  await expect(page.getByText('No voice matches “no such voice anywhere”.').first()).toBeVisible();
  // Typing in the search field is not a shortcut: R and B do nothing here.
  await expect(page.getByRole('button', { name: /Stop recording/ })).toHaveCount(0);
});
