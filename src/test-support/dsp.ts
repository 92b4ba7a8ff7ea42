// Test-only helpers for src/dsp and src/audio: real speech from the in-repo CC0 Cathy clips
// (fixtures/cathy, 16 kHz mono FLAC; src/test-support/fixtures.ts), and tones.
import { readFileSync } from 'node:fs';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { cathyCycle } from './fixtures';

export { CATHY_DIR, cathyFiles } from './fixtures';

/** Concatenate cathy clips (from index `first`, in name order, cycling) until `seconds` of 16 kHz audio. */
export async function cathySpeech(seconds: number, first = 0): Promise<Float32Array> {
  const n = Math.round(seconds * 16000);
  const out = new Float32Array(n);
  const dec = new FLACDecoder();
  await dec.ready;
  try {
    let o = 0;
    for (const f of cathyCycle(first)) {
      if (o >= n) break;
      const r = await dec.decodeFile(new Uint8Array(readFileSync(f)));
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
