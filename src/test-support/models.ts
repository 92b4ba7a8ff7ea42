// Test-only helpers for src/model, the engine rooms (pipeline, quality-gate, library, engine), the
// service and the CLI: where the real exported models are (models/, or $VOICESHIFT_TEST_MODELS while
// developing against another export), real speech from the in-repo CC0 Cathy clips (fixtures/cathy;
// src/test-support/fixtures.ts), and a shared engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AudioData } from '../api/types.js';
import { decodeAudioFile } from '../audio/decode.js';
import { seededRandom } from '../dsp/random.js';
import { CATHY_DIR as FIXTURE_CATHY_DIR, cathyCycle, cathyPaths, REPO_ROOT } from './fixtures.js';
import { Engine } from '../engine/engine.js';

export { REPO_ROOT, cathyPaths } from './fixtures.js';
/** The models under test. */
export const MODELS_DIR = process.env.VOICESHIFT_TEST_MODELS ? path.resolve(process.env.VOICESHIFT_TEST_MODELS) : path.join(REPO_ROOT, 'models');
/** Whether an export (manifest + voices) is present. */
export const HAVE_MODELS = fs.existsSync(path.join(MODELS_DIR, 'manifest.json')) && fs.existsSync(path.join(MODELS_DIR, 'voices.json'));
/** Why model tests are skipped, for the test names. */
export const NO_MODELS = HAVE_MODELS ? '' : ` [SKIPPED: no exported models in ${MODELS_DIR}; run the training export first]`;
/** The CC0 speech clips (in the checkout). */
export const CATHY_DIR = FIXTURE_CATHY_DIR;
/** Whether the clips are there (always, in a complete checkout). */
export const HAVE_CATHY = fs.existsSync(CATHY_DIR);

/** One cathy clip decoded (index into the sorted list). */
export async function cathyClip(index = 0): Promise<AudioData> {
  const d = await decodeAudioFile(cathyPaths()[index]);
  return { sampleRate: d.sampleRate, channels: d.channels };
}

/** Cathy speech concatenated to about `seconds` (16 kHz mono), from clip `first` on, cycling through the clips. */
export async function cathySeconds(seconds: number, first = 0): Promise<AudioData> {
  const n = Math.round(seconds * 16000);
  const out = new Float32Array(n);
  let o = 0;
  for (const file of cathyCycle(first)) {
    if (o >= n) break;
    const d = await decodeAudioFile(file);
    const ch = d.channels[0];
    const k = Math.min(ch.length, n - o);
    out.set(ch.subarray(0, k), o);
    o += k;
  }
  return { sampleRate: 16000, channels: [out] };
}

/** A fresh temporary directory (removed by the caller or the OS). */
export function tempDir(prefix = 'vs-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

let shared: Promise<Engine> | null = null;

/** One engine per test file over the models under test, with a throwaway user data dir. */
export function sharedEngine(): Promise<Engine> {
  shared ??= Engine.load({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: tempDir('vs-engine-') });
  return shared;
}

/** Deterministic white noise. */
export function noise(seconds: number, amp = 0.3, seed = 1, rate = 16000): Float32Array {
  const rnd = seededRandom(seed);
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amp * (2 * rnd() - 1);
  return out;
}
