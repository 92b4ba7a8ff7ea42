// A user opens the app and sees that the engine answers: version, runtime and models.
import { expect, test } from './fixtures';

test('the app opens and shows the engine version', async ({ appPage }) => {
  await expect(appPage.getByRole('heading', { name: 'VoiceShift' })).toBeVisible();
  const version = appPage.getByTestId('version');
  await expect(version).toContainText('onnxruntime 1.29');
  await expect(version).toContainText('VoiceShift 0.1.0');
  // The token left the address bar once the page had it.
  expect(appPage.url()).not.toContain('token=');
  await appPage.screenshot({ path: test.info().outputPath('launch.png') });
});
