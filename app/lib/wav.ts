// WAV encoding and parsing in plain TypeScript (no DOM, no Node): the recorder and the waveform views
// turn AudioData into WAV blobs, the file loader reads WAV without the browser's resampling, and the
// e2e specs check exported files with the same parser.
import type { AudioData } from '../../src/api/types';

export type WavSampleFormat = 'pcm16' | 'pcm24' | 'float32';

/** Encodes planar float audio as a RIFF/WAVE file (PCM 16/24-bit or IEEE float 32-bit). */
export function encodeWav(audio: AudioData, format: WavSampleFormat = 'pcm16'): Uint8Array {
  const channels = audio.channels.length;
  const frames = audio.channels[0]?.length ?? 0;
  const bytesPerSample = format === 'pcm16' ? 2 : format === 'pcm24' ? 3 : 4;
  const dataBytes = frames * channels * bytesPerSample;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'float32' ? 3 : 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  let at = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const x = audio.channels[c][i];
      const s = Number.isFinite(x) ? Math.max(-1, Math.min(1, x)) : 0;
      if (format === 'float32') {
        view.setFloat32(at, s, true);
      } else if (format === 'pcm16') {
        view.setInt16(at, Math.round(s < 0 ? s * 0x8000 : s * 0x7fff), true);
      } else {
        const v = Math.round(s < 0 ? s * 0x800000 : s * 0x7fffff);
        out[at] = v & 0xff;
        out[at + 1] = (v >> 8) & 0xff;
        out[at + 2] = (v >> 16) & 0xff;
      }
      at += bytesPerSample;
    }
  }
  return out;
}

/** What a WAV header says, before reading samples. */
export interface WavInfo {
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
  frames: number;
  durationSec: number;
}

/** Reads the chunks of a RIFF/WAVE file; throws an Error with a plain message when it is not one. */
export function readWavInfo(bytes: Uint8Array): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('Not a WAV file.');
  let at = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames' | 'durationSec'> | null = null;
  while (at + 8 <= bytes.byteLength) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new Error('The WAV format chunk is truncated.');
      let audioFormat = view.getUint16(body, true);
      if (audioFormat === 0xfffe && size >= 26) audioFormat = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
      fmt = {
        audioFormat,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('The WAV file has no format chunk before its data.');
      if (fmt.channels < 1 || fmt.sampleRate < 1 || fmt.bitsPerSample < 8) throw new Error('The WAV header is invalid.');
      const dataBytes = Math.min(size, bytes.byteLength - body);
      const frames = Math.floor(dataBytes / (fmt.channels * (fmt.bitsPerSample / 8)));
      return { ...fmt, dataOffset: body, dataBytes, frames, durationSec: frames / fmt.sampleRate };
    }
    at = body + size + (size % 2);
  }
  throw new Error('The WAV file has no audio data.');
}

/** Decodes PCM 8/16/24/32-bit or float 32/64-bit WAV into planar float audio at its own rate. */
export function decodeWav(bytes: Uint8Array): AudioData {
  const info = readWavInfo(bytes);
  const { channels, bitsPerSample: bits, audioFormat, frames } = info;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isFloat = audioFormat === 3;
  if (!isFloat && audioFormat !== 1) throw new Error(`Unsupported WAV encoding (format ${audioFormat}).`);
  if (isFloat && bits !== 32 && bits !== 64) throw new Error(`Unsupported float WAV of ${bits} bits.`);
  if (!isFloat && ![8, 16, 24, 32].includes(bits)) throw new Error(`Unsupported WAV of ${bits} bits.`);
  if (frames === 0) throw new Error('The WAV file has no audio data.');
  const step = bits / 8;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  let at = info.dataOffset;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      let x: number;
      if (isFloat) x = bits === 32 ? view.getFloat32(at, true) : view.getFloat64(at, true);
      else if (bits === 8) x = (bytes[at] - 128) / 128;
      else if (bits === 16) x = view.getInt16(at, true) / 32768;
      else if (bits === 24) x = (((bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) << 8) >> 8) / 8388608;
      else x = view.getInt32(at, true) / 2147483648;
      out[c][i] = Number.isFinite(x) ? x : 0;
      at += step;
    }
  }
  return { sampleRate: info.sampleRate, channels: out };
}

/** Duration of AudioData in seconds. */
export function durationOf(audio: AudioData): number {
  return (audio.channels[0]?.length ?? 0) / audio.sampleRate;
}

/** Joins recorded chunks into one mono buffer. */
export function concatChunks(chunks: readonly Float32Array[]): Float32Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
