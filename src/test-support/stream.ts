// Test-only helper for the streaming converter: feed a signal in fixed pieces and collect the raw output stream.
import type { StreamingConverter } from '../stream/streaming-converter.js';

/** The raw output stream (input length + the converter's delay) of `conv` fed `blockLen`-sample pieces, then flushed. */
export async function streamThrough(conv: StreamingConverter, x: Float32Array, blockLen: number): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let i = 0; i < x.length; i += blockLen) parts.push(await conv.push(x.subarray(i, i + blockLen)));
  parts.push(await conv.flush());
  const stream = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    stream.set(p, o);
    o += p.length;
  }
  return stream;
}
