// Shared steps for the specs: real speech clips made at test time from the in-repo CC0 Cathy clips
// (fixtures/cathy), screenshots saved with the test output (copied over the tracked e2e/screenshots/
// only when VOICESHIFT_UPDATE_SCREENSHOTS=1), and reading a downloaded WAV's header.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Download, Page } from '@playwright/test';
import { readWavInfo, type WavInfo } from '../app/lib/wav';
import { ROOT, test } from './fixtures';

/** The CC0 Cathy clips shipped in the checkout (fixtures/README.md). */
export const CATHY = path.join(ROOT, 'fixtures', 'cathy', 'audio');
/** The tracked screenshots the docs show; rewritten only on request. */
export const SCREENSHOTS = path.join(ROOT, 'e2e', 'screenshots');
/** Every run's screenshots, by name (gitignored). */
export const RUN_SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

let tmp: string | null = null;
function tempDir(): string {
  tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'voiceshift-clips-'));
  return tmp;
}

/** A cathy utterance as 16 kHz mono 16-bit WAV in a temp dir (sox); `padSeconds` of silence appended. */
export function cathyWav(id: string, padSeconds = 0): string {
  const out = path.join(tempDir(), `${id}${padSeconds ? `-pad${padSeconds}` : ''}.wav`);
  if (!fs.existsSync(out)) {
    const args = [path.join(CATHY, `${id}.flac`), '-r', '16000', '-c', '1', '-b', '16', out];
    if (padSeconds) args.push('pad', '0', String(padSeconds));
    execFileSync('sox', args);
  }
  return out;
}

/** A cathy utterance as 16 kHz mono 16-bit WAV brought to a peak of `peakDb` dBFS (sox gain -n), e.g. a far-away microphone. */
export function quietCathyWav(id: string, peakDb: number): string {
  const out = path.join(tempDir(), `${id}-peak${-peakDb}.wav`);
  if (!fs.existsSync(out)) execFileSync('sox', [path.join(CATHY, `${id}.flac`), '-r', '16000', '-c', '1', '-b', '16', out, 'gain', '-n', String(peakDb)]);
  return out;
}

/**
 * A long speech clip: the first `count` cathy utterances (sorted by name) joined into one 16 kHz
 * mono 16-bit WAV in a temp dir (sox). 24 utterances last about 74 s.
 */
export function longCathyWav(count = 24): string {
  const out = path.join(tempDir(), `cathy-first-${count}.wav`);
  if (!fs.existsSync(out)) execFileSync('sox', [...firstCathyClips(count), '-r', '16000', '-c', '1', '-b', '16', out]);
  return out;
}

/** Paths of the first `count` cathy utterances, sorted by name. */
function firstCathyClips(count: number): string[] {
  return fs.readdirSync(CATHY).filter((f) => f.endsWith('.flac')).sort().slice(0, count).map((f) => path.join(CATHY, f));
}

/**
 * The first `count` cathy utterances with a 1 s buzz (a 300 Hz square wave, like an alarm or a hum)
 * after the first of them, something the anomaly check flags; 16 kHz mono 16-bit WAV (sox).
 */
export function buzzBetweenWav(count = 2): string {
  const out = path.join(tempDir(), `cathy-buzz-${count}.wav`);
  if (!fs.existsSync(out)) {
    const buzz = path.join(tempDir(), 'buzz.wav');
    const [first, ...rest] = firstCathyClips(count);
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', buzz, 'synth', '1.0', 'square', '300', 'vol', '0.5']);
    execFileSync('sox', [first, buzz, ...rest, '-r', '16000', '-c', '1', '-b', '16', out]);
  }
  return out;
}

/** A file that claims to be audio but is not. */
export function corruptFile(name = 'broken.mp3'): string {
  const out = path.join(tempDir(), name);
  fs.writeFileSync(out, Buffer.from('ID3\u0003\u0000 this is not really an mp3 file '.repeat(40)));
  return out;
}

/**
 * Saves a screenshot to test-results/screenshots/ (gitignored); with VOICESHIFT_UPDATE_SCREENSHOTS=1
 * it also replaces the tracked copy in e2e/screenshots/ that the docs show.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(RUN_SCREENSHOTS, `${name}.png`);
  fs.mkdirSync(RUN_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: file });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
  if (process.env.VOICESHIFT_UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, `${name}.png`));
  }
}

/** Reads a download's bytes and parses its WAV header. */
export async function downloadedWav(download: Download): Promise<{ info: WavInfo; bytes: Buffer; name: string }> {
  const file = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(file);
  const bytes = fs.readFileSync(file);
  return { info: readWavInfo(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), bytes, name: download.suggestedFilename() };
}

/** The source duration the app shows, in seconds. */
export async function sourceSeconds(page: Page): Promise<number> {
  return Number(await page.getByTestId('source-duration').getAttribute('data-seconds'));
}

/** Sample rate, channels, bits and duration from a FLAC file's STREAMINFO block. */
export function readFlacInfo(bytes: Uint8Array): { sampleRate: number; channels: number; bitsPerSample: number; durationSec: number } {
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  if (tag !== 'fLaC') throw new Error('Not a FLAC file.');
  if ((bytes[4] & 0x7f) !== 0) throw new Error('The first FLAC metadata block is not STREAMINFO.');
  const s = 8; // STREAMINFO body
  const sampleRate = (bytes[s + 10] << 12) | (bytes[s + 11] << 4) | (bytes[s + 12] >> 4);
  const channels = ((bytes[s + 12] >> 1) & 0x7) + 1;
  const bitsPerSample = (((bytes[s + 12] & 1) << 4) | (bytes[s + 13] >> 4)) + 1;
  const total = (bytes[s + 13] & 0xf) * 2 ** 32 + ((bytes[s + 14] << 24) >>> 0) + (bytes[s + 15] << 16) + (bytes[s + 16] << 8) + bytes[s + 17];
  return { sampleRate, channels, bitsPerSample, durationSec: total / sampleRate };
}

/** Saves a download and returns its bytes. */
export async function downloadedBytes(download: Download): Promise<{ bytes: Uint8Array; name: string }> {
  const file = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(file);
  const b = fs.readFileSync(file);
  return { bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), name: download.suggestedFilename() };
}
