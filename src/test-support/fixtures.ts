// Where the tests' real speech lives: fixtures/ in the checkout (30 CC0 Cathy clips, 94 s; see
// fixtures/README.md). Tests read only this folder, never ../shared, so `npm test` passes on a fresh
// clone. Helpers that need more speech than the clips hold cycle through them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is src/test-support/fixtures.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The in-repo fixtures folder. */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures');
/** The CC0 Cathy clips (16 kHz mono 16-bit FLAC). */
export const CATHY_DIR = path.join(FIXTURES_DIR, 'cathy', 'audio');

/** Sorted file names of the Cathy clips. */
export function cathyFiles(): string[] {
  const files = fs.readdirSync(CATHY_DIR).filter((f) => f.endsWith('.flac')).sort();
  if (files.length === 0) throw new Error(`No Cathy clips in ${CATHY_DIR}; the checkout is incomplete.`);
  return files;
}

/** Sorted absolute paths of the Cathy clips. */
export function cathyPaths(): string[] {
  return cathyFiles().map((f) => path.join(CATHY_DIR, f));
}

/** The clip paths in name order from index `first`, cycling, for as long as the caller keeps taking. */
export function* cathyCycle(first = 0): Generator<string> {
  const paths = cathyPaths();
  for (let i = first; ; i++) yield paths[i % paths.length];
}
