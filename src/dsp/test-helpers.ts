// Test-only helpers for src/dsp and src/audio: load real speech from the shared CC0 corpus
// (../shared/data/cathy, 16 kHz mono FLAC) by path relative to the repo root, and make tones.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';

/** Folder of the shared CC0 speech clips. */
export const CATHY_DIR = resolve(process.cwd(), '../shared/data/cathy/audio');

/** Sorted names of the cathy FLAC files. */
export function cathyFiles(): string[] {
  return readdirSync(CATHY_DIR).filter((f) => f.endsWith('.flac')).sort();
}

/** Concatenate cathy clips (from the first, in name order) until `seconds` of 16 kHz audio. */
export async function cathySpeech(seconds: number, first = 0): Promise<Float32Array> {
  const n = Math.round(seconds * 16000);
  const out = new Float32Array(n);
  const dec = new FLACDecoder();
  await dec.ready;
  try {
    let o = 0;
    for (const f of cathyFiles().slice(first)) {
      if (o >= n) break;
      const r = await dec.decodeFile(new Uint8Array(readFileSync(resolve(CATHY_DIR, f))));
      await dec.reset();
      const ch = r.channelData[0];
      const k = Math.min(ch.length, n - o);
      out.set(ch.subarray(0, k), o);
      o += k;
    }
    return out;
  } finally {
    dec.free();
  }
}

/** A sine of `freq` Hz, `seconds` long, at `sampleRate`, amplitude `amp`. */
export function tone(freq: number, seconds: number, sampleRate = 16000, amp = 0.5, phase = 0): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return x;
}
