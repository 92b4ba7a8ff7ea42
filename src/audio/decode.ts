// Decode audio bytes to { sampleRate, channels: Float32Array[] } in Node, whatever the user
// drops in: WAV (hand-written parser: 8/16/24/32-bit int, 32/64-bit float, A-law/mu-law,
// WAVE_FORMAT_EXTENSIBLE, RF64, any channel count and rate) and FLAC, MP3, Ogg Vorbis, Ogg
// Opus through the wasm decoder packages. Why it exists: every engine entry point (convert,
// enroll, analyze, CLI) starts here, so bad input must end in one typed, plain-words error
// (AudioDecodeError) instead of a crash, a hang or a giant allocation.
// The format is detected from magic bytes, never from the file extension.

import { readFile, stat } from 'node:fs/promises';

/** Formats this module decodes. */
export type AudioFormat = 'wav' | 'flac' | 'mp3' | 'ogg-vorbis' | 'ogg-opus';

/** Why decoding failed. */
export type AudioDecodeErrorCode = 'EMPTY' | 'TRUNCATED' | 'UNSUPPORTED_FORMAT' | 'CORRUPT' | 'TOO_LARGE' | 'NO_AUDIO';

/**
 * A decoding failure with a machine-readable `code` and a message in plain words. Not an ApiError on
 * purpose: its codes are finer than the API's (tests and the fuzzers branch on them), and the caller
 * alone knows what the bytes were ("The reference recording"). It never crosses the API boundary:
 * `decodeFailure` in src/service.ts (used by the service and the CLI) is its one translation, to
 * BAD_AUDIO with the message "<what> could not be read: <this message>".
 */
export class AudioDecodeError extends Error {
  override readonly name = 'AudioDecodeError';
  /** What went wrong, for programs. */
  readonly code: AudioDecodeErrorCode;
  /** The detected container/codec, when known. */
  readonly format?: AudioFormat;

  constructor(code: AudioDecodeErrorCode, message: string, format?: AudioFormat) {
    super(message);
    this.code = code;
    this.format = format;
  }
}

/** Decoded PCM: one Float32Array per channel, samples nominally in [-1, 1]. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/** Decoding limits and leniency. */
export interface DecodeOptions {
  /** Largest input accepted, bytes. Default 512 MiB. */
  maxBytes?: number;
  /** Longest audio accepted, seconds. Default 7200 (2 hours). */
  maxSeconds?: number;
  /** Decode what is there when a file is cut short instead of failing with TRUNCATED. Default false. */
  allowTruncated?: boolean;
}

/** Highest sample rate accepted from a header, Hz. */
export const MAX_SAMPLE_RATE = 768_000;
/** Most channels accepted from a header. */
export const MAX_CHANNELS = 256;

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_SECONDS = 7200;

const FORMAT_NAMES: Record<AudioFormat, string> = {
  wav: 'WAV',
  flac: 'FLAC',
  mp3: 'MP3',
  'ogg-vorbis': 'Ogg Vorbis',
  'ogg-opus': 'Ogg Opus',
};

function ascii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len && off + i < b.length; i++) s += String.fromCharCode(b[off + i]);
  return s;
}

function id3Size(b: Uint8Array): number {
  // ID3v2 header: "ID3" ver(2) flags(1) size(4, syncsafe); footer flag adds 10
  if (b.length < 10 || ascii(b, 0, 3) !== 'ID3') return 0;
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  return 10 + size + (b[5] & 0x10 ? 10 : 0);
}

const MP3_BITRATES: Record<string, number[]> = {
  // [version][layer] kbps tables, index 1..14
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};

/** Length in bytes of the MPEG audio frame whose header starts at `i`, or 0 if not a valid header. */
function mpegFrameLength(b: Uint8Array, i: number): number {
  if (i + 4 > b.length) return 0;
  if (b[i] !== 0xff || (b[i + 1] & 0xe0) !== 0xe0) return 0;
  const ver = (b[i + 1] >> 3) & 3; // 0: 2.5, 2: 2, 3: 1, 1: reserved
  const layer = (b[i + 1] >> 1) & 3; // 1: III, 2: II, 3: I, 0: reserved (ADTS AAC uses 0)
  const brIdx = (b[i + 2] >> 4) & 15;
  const srIdx = (b[i + 2] >> 2) & 3;
  const pad = (b[i + 2] >> 1) & 1;
  if (ver === 1 || layer === 0 || brIdx === 0 || brIdx === 15 || srIdx === 3) return 0;
  const srBase = [44100, 48000, 32000][srIdx];
  const sr = ver === 3 ? srBase : ver === 2 ? srBase / 2 : srBase / 4;
  const layerNum = 4 - layer;
  const table = MP3_BITRATES[`${ver === 3 ? 1 : 2}-${layerNum}`];
  const br = table[brIdx] * 1000;
  if (layerNum === 1) return (Math.floor((12 * br) / sr) + pad) * 4;
  if (layerNum === 3 && ver !== 3) return Math.floor((72 * br) / sr) + pad;
  return Math.floor((144 * br) / sr) + pad;
}

function looksLikeMp3(b: Uint8Array, start: number): boolean {
  const limit = Math.min(b.length, start + 64 * 1024);
  for (let i = start; i < limit; i++) {
    const len = mpegFrameLength(b, i);
    if (len === 0) continue;
    if (i + len >= b.length) return i === start; // a single frame that fills the file
    if (mpegFrameLength(b, i + len) > 0) return true;
  }
  return false;
}

/**
 * Detect the audio format from magic bytes.
 * @returns the format, or null when the bytes are not a supported audio file
 */
export function detectFormat(bytes: Uint8Array): AudioFormat | null {
  const b = bytes;
  if (b.length >= 12 && (ascii(b, 0, 4) === 'RIFF' || ascii(b, 0, 4) === 'RF64') && ascii(b, 8, 4) === 'WAVE') return 'wav';
  if (ascii(b, 0, 4) === 'fLaC') return 'flac';
  if (ascii(b, 0, 4) === 'OggS' && b.length >= 27) {
    const nseg = b[26];
    const p = 27 + nseg;
    if (ascii(b, p, 8) === 'OpusHead') return 'ogg-opus';
    if (b[p] === 1 && ascii(b, p + 1, 6) === 'vorbis') return 'ogg-vorbis';
    return null;
  }
  const skip = id3Size(b);
  if (skip > 0 && ascii(b, skip, 4) === 'fLaC') return 'flac';
  if (looksLikeMp3(b, skip)) return 'mp3';
  return null;
}

/** A plain-words guess of what non-audio (or unsupported audio) bytes are, or null. */
export function describeBytes(b: Uint8Array): string | null {
  const a4 = ascii(b, 0, 4);
  if (a4 === '\x89PNG') return 'a PNG image';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'a JPEG image';
  if (ascii(b, 0, 3) === 'GIF') return 'a GIF image';
  if (a4 === '%PDF') return 'a PDF document';
  if (a4 === 'PK\x03\x04') return 'a ZIP archive (or an Office document)';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'a gzip archive';
  if (ascii(b, 4, 4) === 'ftyp') return 'an MP4/M4A file (AAC/ALAC audio in MP4 is not supported; convert it to WAV, FLAC, MP3 or Ogg)';
  if (a4 === 'FORM' && (ascii(b, 8, 4) === 'AIFF' || ascii(b, 8, 4) === 'AIFC')) return 'an AIFF file (not supported; convert it to WAV or FLAC)';
  if (a4 === '\x1a\x45\xdf\xa3') return 'a WebM/Matroska file (not supported; convert it to WAV, FLAC or Ogg Opus)';
  if (a4 === 'caff') return 'a Core Audio (CAF) file (not supported)';
  if (a4 === 'OggS') return 'an Ogg file whose codec is neither Vorbis nor Opus (e.g. Ogg FLAC or Speex, not supported)';
  if (a4 === 'RIFF' && ascii(b, 8, 4) !== 'WAVE') return `a RIFF file of type "${ascii(b, 8, 4)}", not WAVE`;
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0) return 'raw AAC (ADTS) audio (not supported)';
  const n = Math.min(b.length, 512);
  let text = n > 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) {
      text = false;
      break;
    }
  }
  if (text) return 'a text file';
  return null;
}

function limits(opts: DecodeOptions): { maxBytes: number; maxSeconds: number; allowTruncated: boolean } {
  return {
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    maxSeconds: opts.maxSeconds ?? DEFAULT_MAX_SECONDS,
    allowTruncated: opts.allowTruncated ?? false,
  };
}

function checkDuration(frames: number, sampleRate: number, maxSeconds: number, format: AudioFormat): void {
  const seconds = frames / sampleRate;
  if (seconds > maxSeconds) {
    throw new AudioDecodeError('TOO_LARGE', `The ${FORMAT_NAMES[format]} file holds ${formatSeconds(seconds)} of audio; the limit is ${formatSeconds(maxSeconds)}.`, format);
  }
}

function formatSeconds(s: number): string {
  if (s >= 120) return `${(s / 60).toFixed(1)} minutes`;
  return `${s.toFixed(1)} s`;
}

function checkRate(sampleRate: number, format: AudioFormat): void {
  if (!(sampleRate > 0) || sampleRate > MAX_SAMPLE_RATE || !Number.isFinite(sampleRate)) {
    throw new AudioDecodeError('CORRUPT', `The ${FORMAT_NAMES[format]} header declares a sample rate of ${sampleRate} Hz, which is not valid (1 Hz to ${MAX_SAMPLE_RATE / 1000} kHz).`, format);
  }
}

function checkChannels(channels: number, format: AudioFormat): void {
  if (!(channels >= 1) || channels > MAX_CHANNELS) {
    throw new AudioDecodeError('CORRUPT', `The ${FORMAT_NAMES[format]} header declares ${channels} channels, which is not valid (1 to ${MAX_CHANNELS}).`, format);
  }
}

// ---------------------------------------------------------------- WAV

const ULAW = new Float32Array(256);
const ALAW = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  {
    const u = ~i & 0xff;
    const sign = u & 0x80;
    const exp = (u >> 4) & 7;
    const mant = u & 0x0f;
    let v = ((mant << 3) + 0x84) << exp;
    v -= 0x84;
    ULAW[i] = (sign ? -v : v) / 32768;
  }
  {
    const a = i ^ 0x55;
    const sign = a & 0x80;
    const exp = (a >> 4) & 7;
    const mant = a & 0x0f;
    const v = exp === 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (exp - 1);
    ALAW[i] = (sign ? v : -v) / 32768;
  }
}

const WAVE_FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x0161: 'Windows Media Audio',
};

/**
 * Decode a WAV file (RIFF or RF64; PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, mu-law,
 * plain or WAVE_FORMAT_EXTENSIBLE; any channel count and sample rate). Synchronous.
 * @throws AudioDecodeError
 */
export function decodeWav(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedAudio {
  const lim = limits(opts);
  const b = bytes;
  if (b.length === 0) throw new AudioDecodeError('EMPTY', 'The file is empty (0 bytes).', 'wav');
  if (b.length > lim.maxBytes) throw new AudioDecodeError('TOO_LARGE', `The file is ${b.length} bytes; the limit is ${lim.maxBytes} bytes.`, 'wav');
  if (b.length < 12) throw new AudioDecodeError('TRUNCATED', `The WAV file is cut short: ${b.length} bytes, not even a full RIFF header.`, 'wav');
  const riff = ascii(b, 0, 4);
  if ((riff !== 'RIFF' && riff !== 'RF64') || ascii(b, 8, 4) !== 'WAVE') {
    throw new AudioDecodeError('UNSUPPORTED_FORMAT', 'This is not a WAV file (no RIFF/WAVE header).');
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 12;
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | null = null;
  let ds64Data = -1;
  let dataOff = -1;
  let dataLen = 0;
  let truncated = false;
  while (pos + 8 <= b.length) {
    const id = ascii(b, pos, 4);
    let size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'ds64' && size >= 16 && body + 16 <= b.length) {
      ds64Data = Number(dv.getBigUint64(body + 8, true));
    }
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.length) throw new AudioDecodeError('TRUNCATED', 'The WAV format chunk is cut short.', 'wav');
      let tag = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const rate = dv.getUint32(body + 4, true);
      const blockAlign = dv.getUint16(body + 12, true);
      const bits = dv.getUint16(body + 14, true);
      if (tag === 0xfffe) {
        if (size < 40 || body + 40 > b.length) throw new AudioDecodeError('CORRUPT', 'The WAV header says WAVE_FORMAT_EXTENSIBLE but its extension is missing or cut short.', 'wav');
        tag = dv.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      fmt = { tag, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      dataOff = body;
      const avail = b.length - body;
      if (riff === 'RF64' && size === 0xffffffff && ds64Data >= 0) size = ds64Data;
      if (size === 0xffffffff || (size === 0 && avail > 0)) {
        dataLen = avail; // streamed WAV: length unknown when the header was written
      } else if (size > avail) {
        truncated = true;
        dataLen = avail;
      } else {
        dataLen = size;
      }
      break;
    }
    const next = body + size + (size & 1);
    if (next > b.length && id !== 'data') {
      if (!fmt) throw new AudioDecodeError('TRUNCATED', `The WAV file is cut short inside its "${id.replace(/[^\x20-\x7e]/g, '?')}" chunk.`, 'wav');
      break;
    }
    pos = next;
  }
  if (!fmt) throw new AudioDecodeError(b.length < 44 ? 'TRUNCATED' : 'CORRUPT', 'The WAV file has no format ("fmt ") chunk.', 'wav');
  checkChannels(fmt.channels, 'wav');
  checkRate(fmt.rate, 'wav');
  if (dataOff < 0) throw new AudioDecodeError('NO_AUDIO', 'The WAV file has no data chunk: it contains no audio.', 'wav');
  const { tag, channels, rate } = fmt;
  let kind: 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64' | 'alaw' | 'ulaw';
  const container = fmt.blockAlign > 0 ? fmt.blockAlign / channels : Math.ceil(fmt.bits / 8);
  if (tag === 1) {
    if (!(fmt.bits >= 1 && fmt.bits <= 32)) throw new AudioDecodeError('CORRUPT', `The WAV header declares ${fmt.bits} bits per sample, which is not valid for PCM.`, 'wav');
    if (container === 1) kind = 'u8';
    else if (container === 2) kind = 's16';
    else if (container === 3) kind = 's24';
    else if (container === 4) kind = 's32';
    else throw new AudioDecodeError('CORRUPT', `The WAV header's block size (${fmt.blockAlign} bytes for ${channels} channels) does not fit ${fmt.bits}-bit PCM.`, 'wav');
  } else if (tag === 3) {
    if (fmt.bits === 32 && container === 4) kind = 'f32';
    else if (fmt.bits === 64 && container === 8) kind = 'f64';
    else throw new AudioDecodeError('UNSUPPORTED_FORMAT', `WAV float audio with ${fmt.bits} bits per sample is not supported (32 or 64 only).`, 'wav');
  } else if (tag === 6 && container === 1) {
    kind = 'alaw';
  } else if (tag === 7 && container === 1) {
    kind = 'ulaw';
  } else {
    const name = WAVE_FORMAT_NAMES[tag] ?? `compression code 0x${tag.toString(16).padStart(4, '0')}`;
    throw new AudioDecodeError('UNSUPPORTED_FORMAT', `This WAV file uses ${name}, which is not supported; PCM (integer or float), A-law and mu-law are.`, 'wav');
  }
  const blockAlign = container * channels;
  if (fmt.blockAlign !== 0 && fmt.blockAlign !== blockAlign) throw new AudioDecodeError('CORRUPT', 'The WAV header block size is inconsistent.', 'wav');
  const frames = Math.floor(dataLen / blockAlign);
  if (truncated && !lim.allowTruncated) {
    throw new AudioDecodeError('TRUNCATED', `The WAV file is cut short: its header promises more audio than the ${b.length} bytes hold (${formatSeconds(frames / rate)} present).`, 'wav');
  }
  if (frames === 0) throw new AudioDecodeError('NO_AUDIO', 'The WAV file contains no samples.', 'wav');
  checkDuration(frames, rate, lim.maxSeconds, 'wav');
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(frames));
  for (let c = 0; c < channels; c++) {
    const ch = out[c];
    let p = dataOff + c * container;
    switch (kind) {
      case 'u8':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = (b[p] - 128) / 128;
        break;
      case 's16':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = dv.getInt16(p, true) / 32768;
        break;
      case 's24':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = ((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) << 8 >> 8) / 8388608;
        break;
      case 's32':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = dv.getInt32(p, true) / 2147483648;
        break;
      case 'f32':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = dv.getFloat32(p, true);
        break;
      case 'f64':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = dv.getFloat64(p, true);
        break;
      case 'alaw':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = ALAW[b[p]];
        break;
      case 'ulaw':
        for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = ULAW[b[p]];
        break;
    }
  }
  if (kind === 'f32' || kind === 'f64') {
    for (const ch of out) for (let i = 0; i < ch.length; i++) if (!Number.isFinite(ch[i])) ch[i] = 0; // NaN/Inf would poison every later stage
  }
  return { sampleRate: rate, channels: out };
}

// ---------------------------------------------------------------- FLAC / Ogg helpers

function flacStreamInfo(b: Uint8Array, start: number): { rate: number; channels: number; totalSamples: number } | null {
  // "fLaC" then metadata blocks; STREAMINFO must be first: header(4) + 34 bytes
  const p = start + 4;
  if (b.length < p + 4 + 34) return null;
  if ((b[p] & 0x7f) !== 0) return null;
  const s = p + 4;
  const rate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const totalSamples = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + (b[s + 15] << 16) + (b[s + 16] << 8) + b[s + 17];
  return { rate, channels, totalSamples };
}

/** Seconds given by the last complete Ogg page's granule position (Vorbis: id header rate; Opus: 48 kHz). */
function oggSeconds(b: Uint8Array, format: 'ogg-vorbis' | 'ogg-opus'): number {
  let rate = 48000;
  if (format === 'ogg-vorbis') {
    const p = 27 + b[26];
    if (p + 16 > b.length) return 0;
    rate = b[p + 12] | (b[p + 13] << 8) | (b[p + 14] << 16) | ((b[p + 15] << 24) >>> 0);
    if (!rate) return 0;
  }
  // scan back for the last "OggS" whose granule is set
  for (let p = b.length - 27; p >= Math.max(0, b.length - 65536 - 27); p--) {
    if (b[p] !== 0x4f || ascii(b, p, 4) !== 'OggS') continue;
    let g = 0;
    for (let k = 7; k >= 0; k--) g = g * 256 + b[p + 6 + k];
    if (g >= 2 ** 63) continue; // -1: no packet ends on this page
    return g / rate;
  }
  return 0;
}

/** Walk Ogg pages: 'ok' when the last page is complete and flagged end-of-stream. */
function oggIntegrity(b: Uint8Array): 'ok' | 'cut' | 'corrupt' {
  let p = 0;
  let lastFlags = 0;
  let pages = 0;
  while (p < b.length) {
    if (p + 27 > b.length) return 'cut';
    if (ascii(b, p, 4) !== 'OggS') return pages > 0 ? 'corrupt' : 'corrupt';
    const nseg = b[p + 26];
    if (p + 27 + nseg > b.length) return 'cut';
    let body = 0;
    for (let i = 0; i < nseg; i++) body += b[p + 27 + i];
    const end = p + 27 + nseg + body;
    if (end > b.length) return 'cut';
    lastFlags = b[p + 5];
    pages++;
    p = end;
  }
  return lastFlags & 4 ? 'ok' : 'cut';
}

interface WasmResult {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

function fromWasm(r: WasmResult, format: AudioFormat, lim: ReturnType<typeof limits>): DecodedAudio {
  const n = r.samplesDecoded;
  if (!n || !r.channelData.length) {
    const why = r.errors.length ? `: ${r.errors[0].message}` : '';
    throw new AudioDecodeError('CORRUPT', `The ${FORMAT_NAMES[format]} data could not be decoded; no audio came out${why}.`, format);
  }
  checkRate(r.sampleRate, format);
  checkChannels(r.channelData.length, format);
  checkDuration(n, r.sampleRate, lim.maxSeconds, format);
  // copy out of the decoder's memory and trim to the decoded length
  const channels = r.channelData.map((c) => Float32Array.from(c.subarray(0, n)));
  return { sampleRate: r.sampleRate, channels };
}

async function runFlac(data: Uint8Array): Promise<WasmResult & { bitDepth?: number }> {
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const dec = new FLACDecoder();
  try {
    await dec.ready;
    return await dec.decodeFile(data);
  } catch (e) {
    throw new AudioDecodeError('CORRUPT', `The FLAC data could not be decoded (${(e as Error).message}).`, 'flac');
  } finally {
    dec.free();
  }
}

const FLAC_CRC16 = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let d = i << 8;
    for (let k = 0; k < 8; k++) d = d & 0x8000 ? ((d << 1) ^ 0x8005) & 0xffff : (d << 1) & 0xffff;
    t[i] = d;
  }
  return t;
})();

/**
 * Start of the last FLAC frame (sync code and matching CRC-16 up to the end), or -1.
 * Bounded work: only the last 64 KiB and at most 64 candidate sync codes are examined.
 */
function lastFlacFrame(b: Uint8Array): number {
  const end = b.length;
  if (end < 10) return -1;
  const want = (b[end - 2] << 8) | b[end - 1];
  let candidates = 0;
  for (let p = end - 10; p >= Math.max(0, end - 65536); p--) {
    if (b[p] !== 0xff || (b[p + 1] & 0xfe) !== 0xf8) continue;
    if (++candidates > 64) return -1;
    let c = 0;
    for (let i = p; i < end - 2; i++) c = ((c << 8) & 0xffff) ^ FLAC_CRC16[(c >> 8) ^ b[i]];
    if (c === want) return p;
  }
  return -1;
}

async function decodeFlac(b: Uint8Array, lim: ReturnType<typeof limits>): Promise<DecodedAudio> {
  const start = id3Size(b) > 0 && ascii(b, id3Size(b), 4) === 'fLaC' ? id3Size(b) : 0;
  const info = flacStreamInfo(b, start);
  if (!info) throw new AudioDecodeError(b.length < start + 42 ? 'TRUNCATED' : 'CORRUPT', 'The FLAC file has no valid STREAMINFO header.', 'flac');
  checkRate(info.rate, 'flac');
  checkChannels(info.channels, 'flac');
  if (info.totalSamples > 0) checkDuration(info.totalSamples, info.rate, lim.maxSeconds, 'flac');
  let r = await runFlac(start ? b.subarray(start) : b);
  if (info.totalSamples > 0 && r.samplesDecoded < info.totalSamples && r.errors.length === 0) {
    // codec-parser drops a final frame that is only a few bytes long (e.g. a CONSTANT silent
    // block): it needs a following frame header to accept a frame. Append a copy of the last
    // frame so the real one is followed by a header, then trim to the STREAMINFO length.
    const tail = lastFlacFrame(b);
    if (tail >= 0) {
      const padded = new Uint8Array(b.length - start + (b.length - tail));
      padded.set(b.subarray(start));
      padded.set(b.subarray(tail), b.length - start);
      const r2 = await runFlac(padded);
      if (r2.errors.length === 0 && r2.samplesDecoded >= info.totalSamples) {
        r = { ...r2, samplesDecoded: info.totalSamples };
      }
    }
  }
  if (r.samplesDecoded === 0 && info.totalSamples === 0 && r.errors.length === 0) {
    throw new AudioDecodeError('NO_AUDIO', 'The FLAC file contains no samples.', 'flac');
  }
  const out = fromWasm(r, 'flac', lim);
  // the wasm decoder scales by 2^(bits-1) - 1; rescale to int / 2^(bits-1) like WAV so that
  // integer samples survive decode -> encode unchanged
  const bits = (r as WasmResult & { bitDepth?: number }).bitDepth ?? 0;
  if (bits >= 4 && bits <= 32) {
    const dec = 2 ** (bits - 1) - 1;
    const inv = 1 / 2 ** (bits - 1);
    for (const ch of out.channels) for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i] * dec) * inv;
  }
  if (info.totalSamples > 0 && r.samplesDecoded < info.totalSamples && !lim.allowTruncated) {
    const missing = info.totalSamples - r.samplesDecoded;
    throw new AudioDecodeError(
      r.errors.length ? 'CORRUPT' : 'TRUNCATED',
      r.errors.length
        ? `The FLAC file is damaged: ${r.errors.length} frame(s) failed to decode (${r.errors[0].message}).`
        : `The FLAC file is cut short: ${formatSeconds(missing / info.rate)} of the promised ${formatSeconds(info.totalSamples / info.rate)} are missing.`,
      'flac',
    );
  }
  if (r.errors.length && !lim.allowTruncated) {
    throw new AudioDecodeError('CORRUPT', `The FLAC file is damaged: ${r.errors.length} frame(s) failed to decode (${r.errors[0].message}).`, 'flac');
  }
  return out;
}

/** Frames promised by a Xing/Info (LAME) header in the first MPEG frame, with samples per frame; null if absent. */
function mp3XingFrames(b: Uint8Array): { frames: number; samplesPerFrame: number } | null {
  const start = id3Size(b);
  let i = start;
  const limit = Math.min(b.length, start + 64 * 1024);
  while (i < limit && mpegFrameLength(b, i) === 0) i++;
  const len = mpegFrameLength(b, i);
  if (!len) return null;
  const ver = (b[i + 1] >> 3) & 3;
  const layer = (b[i + 1] >> 1) & 3;
  const samplesPerFrame = layer === 3 ? 384 : layer === 2 || ver === 3 ? 1152 : 576;
  for (let p = i + 4; p < Math.min(i + len, b.length) - 12; p++) {
    const tag = ascii(b, p, 4);
    if (tag === 'Xing' || tag === 'Info') {
      const flags = (b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7];
      if (!(flags & 1)) return null;
      const frames = ((b[p + 8] << 24) >>> 0) + (b[p + 9] << 16) + (b[p + 10] << 8) + b[p + 11];
      return frames > 0 ? { frames, samplesPerFrame } : null;
    }
  }
  return null;
}

/** Duration estimate of an MP3 from its first frame's bitrate (constant-bitrate assumption), seconds. */
function mp3EstimatedSeconds(b: Uint8Array): number {
  let i = id3Size(b);
  const limit = Math.min(b.length, i + 64 * 1024);
  while (i < limit && mpegFrameLength(b, i) === 0) i++;
  const len = mpegFrameLength(b, i);
  if (!len) return 0;
  const xing = mp3XingFrames(b);
  const ver = (b[i + 1] >> 3) & 3;
  const srBase = [44100, 48000, 32000][(b[i + 2] >> 2) & 3];
  const sr = ver === 3 ? srBase : ver === 2 ? srBase / 2 : srBase / 4;
  if (xing) return (xing.frames * xing.samplesPerFrame) / sr;
  const layer = (b[i + 1] >> 1) & 3;
  const spf = layer === 3 ? 384 : layer === 2 || ver === 3 ? 1152 : 576;
  return ((b.length - i) / len) * (spf / sr);
}

async function decodeMp3(b: Uint8Array, lim: ReturnType<typeof limits>): Promise<DecodedAudio> {
  // refuse long files before decoding them (a VBR file without a Xing header is estimated
  // from its first frame, hence the margin); the exact check follows the decode
  const est = mp3EstimatedSeconds(b);
  if (est > lim.maxSeconds * 2) checkDuration(est * 44100, 44100, lim.maxSeconds, 'mp3');
  const { MPEGDecoder } = await import('mpg123-decoder');
  const dec = new MPEGDecoder();
  let r: WasmResult;
  try {
    await dec.ready;
    r = dec.decode(b);
  } catch (e) {
    throw new AudioDecodeError('CORRUPT', `The MP3 data could not be decoded (${(e as Error).message}).`, 'mp3');
  } finally {
    dec.free();
  }
  const out = fromWasm(r, 'mp3', lim);
  // a frame is 1152 samples (MPEG-1 layer III); tolerate a stray error or two, not a damaged stream
  const frames = Math.max(1, Math.round(r.samplesDecoded / 1152));
  if (r.errors.length > Math.max(2, 0.05 * frames) && !lim.allowTruncated) {
    throw new AudioDecodeError('CORRUPT', `The MP3 file is damaged: ${r.errors.length} frame(s) failed to decode (${r.errors[0].message}).`, 'mp3');
  }
  // LAME/Xing headers promise a frame count: fewer decoded samples means the file was cut
  const xing = mp3XingFrames(b);
  if (xing && !lim.allowTruncated) {
    const promised = xing.frames * xing.samplesPerFrame;
    if (r.samplesDecoded < promised - 3 * xing.samplesPerFrame) {
      throw new AudioDecodeError('TRUNCATED', `The MP3 file is cut short: ${formatSeconds(r.samplesDecoded / r.sampleRate)} of the promised ${formatSeconds(promised / r.sampleRate)} are present.`, 'mp3');
    }
  }
  return out;
}

async function decodeOgg(b: Uint8Array, format: 'ogg-vorbis' | 'ogg-opus', lim: ReturnType<typeof limits>): Promise<DecodedAudio> {
  const integrity = oggIntegrity(b);
  const est = oggSeconds(b, format);
  if (est > lim.maxSeconds) checkDuration(est, 1, lim.maxSeconds, format);
  if (integrity === 'corrupt' && !lim.allowTruncated) {
    throw new AudioDecodeError('CORRUPT', `The ${FORMAT_NAMES[format]} file is damaged: its Ogg page structure is broken.`, format);
  }
  let r: WasmResult;
  try {
    if (format === 'ogg-opus') {
      const { OggOpusDecoder } = await import('ogg-opus-decoder');
      const dec = new OggOpusDecoder();
      try {
        await dec.ready;
        r = await dec.decodeFile(b);
      } finally {
        dec.free();
      }
    } else {
      const { OggVorbisDecoder } = await import('@wasm-audio-decoders/ogg-vorbis');
      const dec = new OggVorbisDecoder();
      try {
        await dec.ready;
        r = await dec.decodeFile(b);
      } finally {
        dec.free();
      }
    }
  } catch (e) {
    throw new AudioDecodeError('CORRUPT', `The ${FORMAT_NAMES[format]} data could not be decoded (${(e as Error).message}).`, format);
  }
  const out = fromWasm(r, format, lim);
  if (!lim.allowTruncated) {
    if (r.errors.length) throw new AudioDecodeError('CORRUPT', `The ${FORMAT_NAMES[format]} file is damaged: ${r.errors.length} packet(s) failed to decode (${r.errors[0].message}).`, format);
    if (integrity === 'cut') throw new AudioDecodeError('TRUNCATED', `The ${FORMAT_NAMES[format]} file is cut short: the stream stops before its end marker (${formatSeconds(r.samplesDecoded / r.sampleRate)} present).`, format);
  }
  return out;
}

/**
 * Decode an audio file's bytes (format from magic bytes: WAV, FLAC, MP3, Ogg Vorbis, Ogg Opus).
 * Opus always decodes at 48 kHz. Channels keep the file's count and order.
 * @throws AudioDecodeError with code EMPTY, TRUNCATED, UNSUPPORTED_FORMAT, CORRUPT, TOO_LARGE or NO_AUDIO
 */
export async function decodeAudio(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const lim = limits(opts);
  if (!(bytes instanceof Uint8Array)) throw new AudioDecodeError('UNSUPPORTED_FORMAT', 'Expected the file contents as bytes (a Uint8Array).');
  if (bytes.length === 0) throw new AudioDecodeError('EMPTY', 'The file is empty (0 bytes).');
  if (bytes.length > lim.maxBytes) throw new AudioDecodeError('TOO_LARGE', `The file is ${bytes.length} bytes; the limit is ${lim.maxBytes} bytes.`);
  const format = detectFormat(bytes);
  if (!format) {
    const what = describeBytes(bytes);
    if (bytes.length < 12 && /^(R|RI|RIF|RIFF.*|f|fL|fLa|O|Og|Ogg|OggS.*|I|ID|ID3.*)$/s.test(ascii(bytes, 0, bytes.length))) {
      throw new AudioDecodeError('TRUNCATED', `The file is only ${bytes.length} bytes: cut short before its audio header ends.`);
    }
    throw new AudioDecodeError('UNSUPPORTED_FORMAT', what ? `This is not a supported audio file: it looks like ${what}.` : 'This is not a supported audio file: no WAV, FLAC, MP3, Ogg Vorbis or Ogg Opus header was found.');
  }
  switch (format) {
    case 'wav':
      return decodeWav(bytes, opts);
    case 'flac':
      return decodeFlac(bytes, lim);
    case 'mp3':
      return decodeMp3(bytes, lim);
    case 'ogg-vorbis':
    case 'ogg-opus':
      return decodeOgg(bytes, format, lim);
  }
}

/**
 * Read and decode an audio file; the size limit is checked before reading.
 * @throws AudioDecodeError (and the fs error when the file cannot be read)
 */
export async function decodeAudioFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const lim = limits(opts);
  const st = await stat(path);
  if (st.size > lim.maxBytes) throw new AudioDecodeError('TOO_LARGE', `The file is ${st.size} bytes; the limit is ${lim.maxBytes} bytes.`);
  const buf = await readFile(path);
  return decodeAudio(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), opts);
}
