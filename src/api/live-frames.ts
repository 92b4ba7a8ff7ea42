// Binary audio frames of the live WebSocket (web mode): a 12-byte little-endian header, then float32
// samples, 4-byte aligned so a Float32Array view needs no copy:
//   u8 kind (1 = audio) | u8 stream (0 = microphone, 1 = converted) | u16 flags (bit 0: after a drop)
//   | u32 sequence | u32 sample rate | f32 samples...
// One definition for both ends: the engine side (src/server, src/live) and the renderer (app/audio/live-channel.ts),
// which may import it at run time like wire.ts (pure, imports only types.ts; electron/security.test.ts checks).
import { LIVE_FRAME_HEADER_BYTES } from './types.js';

export const FRAME_KIND_AUDIO = 1;
export const STREAM_MIC = 0;
export const STREAM_CONVERTED = 1;
export const FLAG_AFTER_DROP = 1;

export interface AudioFrame {
  stream: number;
  flags: number;
  seq: number;
  sampleRate: number;
  samples: Float32Array;
}

/** Encodes one audio block. */
export function encodeAudioFrame(f: AudioFrame): Uint8Array {
  const out = new Uint8Array(LIVE_FRAME_HEADER_BYTES + f.samples.length * 4);
  const v = new DataView(out.buffer);
  v.setUint8(0, FRAME_KIND_AUDIO);
  v.setUint8(1, f.stream);
  v.setUint16(2, f.flags, true);
  v.setUint32(4, f.seq >>> 0, true);
  v.setUint32(8, f.sampleRate >>> 0, true);
  new Float32Array(out.buffer, LIVE_FRAME_HEADER_BYTES, f.samples.length).set(f.samples);
  return out;
}

/** Decodes one audio block, or null when the bytes are not one (wrong kind, misaligned length). */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrame | null {
  if (bytes.byteLength < LIVE_FRAME_HEADER_BYTES || (bytes.byteLength - LIVE_FRAME_HEADER_BYTES) % 4 !== 0) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== FRAME_KIND_AUDIO) return null;
  const n = (bytes.byteLength - LIVE_FRAME_HEADER_BYTES) / 4;
  // Copy when the view would be misaligned (a Buffer slice of a larger pool).
  const samples =
    (bytes.byteOffset + LIVE_FRAME_HEADER_BYTES) % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset + LIVE_FRAME_HEADER_BYTES, n)
      : new Float32Array(bytes.slice(LIVE_FRAME_HEADER_BYTES).buffer);
  return { stream: v.getUint8(1), flags: v.getUint16(2, true), seq: v.getUint32(4, true), sampleRate: v.getUint32(8, true), samples };
}
