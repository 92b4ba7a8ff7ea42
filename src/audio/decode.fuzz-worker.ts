// The child process of decode.fuzz.test.ts: generates mutated WAV/FLAC/MP3/Ogg Vorbis/Ogg Opus files
// from small valid seeds with a seeded PRNG (the same cases on every run), decodes each, and reports
// to the parent before and after every case. It runs in its own process because the wasm decoders
// are synchronous inside: a hang could not be interrupted in-process, but the parent can kill a child
// that stops reporting. Run by the test (node --import tsx); not a test file itself.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AudioDecodeError, decodeAudio, MAX_CHANNELS, MAX_SAMPLE_RATE } from './decode.js';
import { encodeFlac } from './flac-encode.js';
import { encodeWav } from './wav-encode.js';
import { seededRandom } from '../dsp/random';

export interface FuzzMessage {
  type: 'start' | 'end' | 'done';
  index?: number;
  label?: string;
  ms?: number;
  outcome?: string;
  /** Set when the case broke the contract (threw something else, returned malformed audio). */
  problem?: string;
  total?: number;
  counts?: Record<string, number>;
  maxMs?: number;
  maxRssMB?: number;
}


function tone(n: number, rate: number, f: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));
}

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Small valid files of every format. */
function seeds(): { name: string; bytes: Uint8Array }[] {
  const mono = tone(3200, 16000, 220);
  const left = tone(2205, 44100, 440);
  const right = tone(2205, 44100, 660, 0.3);
  return [
    { name: 'wav-int16-mono', bytes: encodeWav({ sampleRate: 16000, channels: [mono] }, { format: 'int16' }) },
    { name: 'wav-int24-stereo', bytes: encodeWav({ sampleRate: 44100, channels: [left, right] }, { format: 'int24' }) },
    { name: 'wav-float32-mono', bytes: encodeWav({ sampleRate: 48000, channels: [tone(2400, 48000, 300)] }, { format: 'float32' }) },
    { name: 'flac-16-mono', bytes: encodeFlac({ sampleRate: 16000, channels: [mono] }, { bitsPerSample: 16 }) },
    { name: 'flac-24-stereo', bytes: encodeFlac({ sampleRate: 44100, channels: [left, right] }, { bitsPerSample: 24 }) },
    { name: 'mp3-44k-stereo', bytes: new Uint8Array(readFileSync(fixtures + 'tone-44k-stereo.mp3')) },
    { name: 'ogg-vorbis-16k', bytes: new Uint8Array(readFileSync(fixtures + 'tone-16k-mono.ogg')) },
    { name: 'ogg-opus-48k', bytes: new Uint8Array(readFileSync(fixtures + 'tone-48k-mono.opus')) },
  ];
}

interface Case {
  label: string;
  bytes: Uint8Array;
}

const u32 = (b: Uint8Array, at: number, v: number): void => {
  if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
};
const u16 = (b: Uint8Array, at: number, v: number): void => {
  if (at + 2 <= b.length) new DataView(b.buffer, b.byteOffset).setUint16(at, v & 0xffff, true);
};
function find(b: Uint8Array, tag: string, from = 0): number {
  outer: for (let i = from; i + tag.length <= b.length; i++) {
    for (let k = 0; k < tag.length; k++) if (b[i + k] !== tag.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

/** Header-field attacks that target what each format declares: sizes, channels, rates, bit depths. */
function headerAttacks(name: string, base: Uint8Array): Case[] {
  const out: Case[] = [];
  const edit = (label: string, fn: (b: Uint8Array) => void): void => {
    const b = new Uint8Array(base);
    fn(b);
    out.push({ label: `${name}: ${label}`, bytes: b });
  };
  if (name.startsWith('wav')) {
    const fmt = find(base, 'fmt ') + 8;
    const data = find(base, 'data');
    for (const v of [0, 1, 0x7fffffff, 0xffffffff, 0xfffffff0]) edit(`RIFF size ${v}`, (b) => u32(b, 4, v));
    for (const v of [0, 1, 0x7fffffff, 0xffffffff, 0xfffffffe, base.length]) edit(`data size ${v}`, (b) => u32(b, data + 4, v));
    for (const v of [0, 1, 2, 3, 255, 256, 257, 0xffff]) edit(`channels ${v}`, (b) => u16(b, fmt + 2, v));
    for (const v of [0, 1, 3999, 8000, 384000, MAX_SAMPLE_RATE + 1, 0x7fffffff, 0xffffffff]) edit(`sample rate ${v}`, (b) => u32(b, fmt + 4, v));
    for (const v of [0, 1, 3, 7, 9, 17, 33, 64, 65, 0xffff]) edit(`bits ${v}`, (b) => u16(b, fmt + 14, v));
    for (const v of [0, 1, 3, 0xffff]) edit(`block align ${v}`, (b) => u16(b, fmt + 12, v));
    for (const v of [0, 2, 6, 7, 0x55, 0xfffe, 0xffff]) edit(`format tag ${v}`, (b) => u16(b, fmt, v));
    for (const v of [0, 15, 0xffffffff, 0x7fffffff]) edit(`fmt size ${v}`, (b) => u32(b, fmt - 4, v));
    edit('RF64 without ds64', (b) => b.set([0x52, 0x46, 0x36, 0x34], 0));
    edit('RF64, data size -1', (b) => {
      b.set([0x52, 0x46, 0x36, 0x34], 0);
      u32(b, data + 4, 0xffffffff);
    });
    edit('data chunk renamed', (b) => b.set([0x64, 0x61, 0x74, 0x62], data));
    edit('fmt chunk renamed', (b) => b.set([0x66, 0x6d, 0x74, 0x78], fmt - 8));
  } else if (name.startsWith('flac')) {
    // STREAMINFO body at 8: minBlock(16) maxBlock(16) minFrame(24) maxFrame(24) rate(20) ch-1(3) bps-1(5) total(36) md5(128)
    const si = 8;
    edit('min/max block size 0', (b) => b.fill(0, si, si + 4));
    edit('max block size 65535', (b) => b.set([0xff, 0xff], si + 2));
    edit('max frame size huge', (b) => b.set([0xff, 0xff, 0xff], si + 7));
    edit('sample rate 0', (b) => {
      b[si + 10] = 0;
      b[si + 11] = 0;
      b[si + 12] &= 0x0f;
    });
    edit('sample rate max (1048575 Hz)', (b) => {
      b[si + 10] = 0xff;
      b[si + 11] = 0xff;
      b[si + 12] |= 0xf0;
    });
    for (const ch of [0, 7]) edit(`channels field ${ch + 1}`, (b) => (b[si + 12] = (b[si + 12] & 0xf1) | (ch << 1)));
    for (const bps of [0, 2, 31]) edit(`bits field ${bps + 1}`, (b) => {
      b[si + 12] = (b[si + 12] & 0xfe) | (bps >> 4);
      b[si + 13] = (b[si + 13] & 0x0f) | ((bps & 15) << 4);
    });
    edit('total samples 2^36-1', (b) => {
      b[si + 13] |= 0x0f;
      b.fill(0xff, si + 14, si + 18);
    });
    edit('total samples 0', (b) => {
      b[si + 13] &= 0xf0;
      b.fill(0, si + 14, si + 18);
    });
    edit('metadata block length huge', (b) => b.set([0xff, 0xff, 0xff], 5));
    edit('metadata block type 127 (invalid)', (b) => (b[4] = (b[4] & 0x80) | 127));
    edit('no last-metadata flag', (b) => (b[4] &= 0x7f));
  } else if (name.startsWith('ogg')) {
    // First page: "OggS" ver type granule(8) serial(4) seq(4) crc(4) nseg(1) segs...
    edit('page segment count 255', (b) => (b[26] = 255));
    edit('page segment count 0', (b) => (b[26] = 0));
    edit('granule position max', (b) => b.fill(0xff, 6, 14));
    edit('version 1', (b) => (b[4] = 1));
    edit('segment lengths 255', (b) => b.fill(255, 27, 27 + b[26]));
    const head = find(base, 'OpusHead');
    if (head >= 0) {
      for (const v of [0, 3, 255]) edit(`OpusHead channels ${v}`, (b) => (b[head + 9] = v));
      edit('OpusHead pre-skip 65535', (b) => u16(b, head + 10, 0xffff));
      for (const v of [0, 1, 0xffffffff]) edit(`OpusHead rate ${v}`, (b) => u32(b, head + 12, v));
      edit('OpusHead mapping family 255', (b) => (b[head + 18] = 255));
      edit('OpusHead version 255', (b) => (b[head + 8] = 255));
    }
    const vorbis = find(base, 'vorbis');
    if (vorbis >= 0) {
      for (const v of [0, 255]) edit(`Vorbis channels ${v}`, (b) => (b[vorbis + 10] = v));
      for (const v of [0, 1, 0xffffffff]) edit(`Vorbis rate ${v}`, (b) => u32(b, vorbis + 11, v));
      edit('Vorbis blocksizes 0', (b) => (b[vorbis + 27] = 0));
      edit('Vorbis blocksizes 15/15', (b) => (b[vorbis + 27] = 0xff));
    }
    edit('every page CRC zeroed', (b) => {
      for (let p = find(b, 'OggS'); p >= 0; p = find(b, 'OggS', p + 4)) b.fill(0, p + 22, p + 26);
    });
  } else if (name.startsWith('mp3')) {
    const first = base.findIndex((x, i) => x === 0xff && (base[i + 1] & 0xe0) === 0xe0);
    const id3 = new Uint8Array(base.length + 10);
    id3.set([0x49, 0x44, 0x33, 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f]);
    id3.set(base, 10);
    out.push({ label: `${name}: ID3 tag declaring 256 MB`, bytes: id3 });
    for (const v of [0x08, 0x00]) edit(`MPEG version bits ${v}`, (b) => (b[first + 1] = (b[first + 1] & 0xe7) | v));
    edit('reserved layer', (b) => (b[first + 1] &= 0xf9));
    edit('bitrate index 15', (b) => (b[first + 2] |= 0xf0));
    edit('sample rate index 3', (b) => (b[first + 2] |= 0x0c));
    const xing = Math.max(find(base, 'Xing'), find(base, 'Info'));
    if (xing >= 0) {
      edit('Xing frames 0xffffffff', (b) => b.fill(0xff, xing + 8, xing + 12));
      edit('Xing frames 0', (b) => b.fill(0, xing + 8, xing + 12));
    }
    edit('every frame header sample-rate index flipped', (b) => {
      for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xff && (b[i + 1] & 0xe0) === 0xe0) b[i + 2] ^= 0x04;
    });
  }
  return out;
}

/** All cases, deterministic for a given seed and scale. */
export function buildCases(seed: number, scale: number): Case[] {
  const rnd = seededRandom(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const files = seeds();
  const cases: Case[] = [];
  const magic = [
    [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45],
    [0x66, 0x4c, 0x61, 0x43],
    [0x4f, 0x67, 0x67, 0x53],
    [0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0],
    [0xff, 0xfb, 0x90, 0x64],
    [],
  ];
  for (const { name, bytes } of files) {
    const n = bytes.length;
    // Truncation: every byte of the first 96 (headers), then evenly spaced points through the file.
    for (let len = 1; len <= Math.min(96, n - 1); len++) cases.push({ label: `${name}: truncated to ${len} bytes`, bytes: bytes.slice(0, len) });
    const points = Math.round(40 * scale);
    for (let k = 1; k < points; k++) {
      const len = Math.max(97, Math.floor((n * k) / points));
      if (len < n) cases.push({ label: `${name}: truncated to ${len} of ${n} bytes`, bytes: bytes.slice(0, len) });
    }
    cases.push(...headerAttacks(name, bytes));
    // Random byte writes anywhere, and bit flips concentrated on the headers.
    for (let k = 0; k < Math.round(120 * scale); k++) {
      const b = new Uint8Array(bytes);
      const m = 1 + int(16);
      for (let j = 0; j < m; j++) b[int(n)] = int(256);
      cases.push({ label: `${name}: ${m} random byte writes (case ${k})`, bytes: b });
    }
    for (let k = 0; k < Math.round(60 * scale); k++) {
      const b = new Uint8Array(bytes);
      const m = 1 + int(4);
      for (let j = 0; j < m; j++) b[int(Math.min(n, 160))] ^= 1 << int(8);
      cases.push({ label: `${name}: ${m} header bit flips (case ${k})`, bytes: b });
    }
    // Structure: delete, duplicate or insert garbage in a random span; mutate then truncate.
    for (let k = 0; k < Math.round(40 * scale); k++) {
      const at = int(n);
      const len = 1 + int(Math.min(2048, n - at));
      const op = k % 3;
      let b: Uint8Array;
      if (op === 0) b = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + len)]);
      else if (op === 1) b = new Uint8Array([...bytes.subarray(0, at + len), ...bytes.subarray(at, n)]);
      else b = new Uint8Array([...bytes.subarray(0, at), ...Array.from({ length: len }, () => int(256)), ...bytes.subarray(at)]);
      cases.push({ label: `${name}: ${['deleted', 'duplicated', 'inserted garbage'][op]} span of ${len} at ${at}`, bytes: b });
    }
    for (let k = 0; k < Math.round(20 * scale); k++) {
      const b = new Uint8Array(bytes.subarray(0, 1 + int(n)));
      for (let j = 0; j < 4; j++) b[int(b.length)] = int(256);
      cases.push({ label: `${name}: mutated and truncated to ${b.length} (case ${k})`, bytes: b });
    }
    // Another format's header glued to this body.
    for (const other of files) {
      if (other.name === name) continue;
      const cut = 32 + int(64);
      cases.push({ label: `${other.name} header (${cut} B) + ${name} body`, bytes: new Uint8Array([...other.bytes.subarray(0, cut), ...bytes.subarray(cut)]) });
    }
  }
  // Random garbage, behind each magic number and bare.
  for (let k = 0; k < Math.round(60 * scale); k++) {
    const prefix = magic[k % magic.length];
    const len = int(k % 10 === 0 ? 65536 : 2048);
    const b = new Uint8Array(prefix.length + len);
    b.set(prefix);
    for (let j = prefix.length; j < b.length; j++) b[j] = int(256);
    cases.push({ label: `garbage (${len} B) after magic [${prefix.slice(0, 4).join(',')}] (case ${k})`, bytes: b });
  }
  return cases;
}

/** Checks a decode result against the decoder's contract; returns a problem or null. */
function check(r: unknown): string | null {
  const a = r as { sampleRate: number; channels: Float32Array[] };
  if (!a || !Number.isInteger(a.sampleRate) || a.sampleRate < 1 || a.sampleRate > MAX_SAMPLE_RATE) return `bad sampleRate ${a?.sampleRate}`;
  if (!Array.isArray(a.channels) || a.channels.length < 1 || a.channels.length > MAX_CHANNELS) return `bad channel count ${a?.channels?.length}`;
  const len = a.channels[0].length;
  for (const ch of a.channels) {
    if (!(ch instanceof Float32Array)) return 'a channel is not a Float32Array';
    if (ch.length !== len) return 'channels differ in length';
    for (let i = 0; i < ch.length; i++) if (!Number.isFinite(ch[i])) return `non-finite sample at ${i}`;
  }
  return null;
}

async function main(): Promise<void> {
  const seed = Number(process.env.VS_FUZZ_SEED ?? 20261130);
  const scale = Number(process.env.VS_FUZZ_SCALE ?? 1);
  const cases = buildCases(seed, scale);
  const send = (m: FuzzMessage): void => void process.send!(m);
  const counts: Record<string, number> = {};
  let maxMs = 0;
  for (const [index, c] of cases.entries()) {
    send({ type: 'start', index, label: c.label });
    const t0 = performance.now();
    // Self-test of the parent's watchdog: a synchronous endless loop, as a stuck wasm decoder would be.
    if (process.env.VS_FUZZ_HANG_AT === String(index)) for (;;);
    let outcome: string;
    let problem: string | undefined;
    try {
      const r = await decodeAudio(c.bytes, { maxSeconds: 600, allowTruncated: index % 5 === 4 });
      outcome = 'decoded';
      problem = check(r) ?? undefined;
    } catch (e) {
      if (e instanceof AudioDecodeError && typeof e.message === 'string' && e.message.length > 10) outcome = e.code;
      else {
        outcome = 'THREW';
        problem = `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
      }
    }
    const ms = performance.now() - t0;
    maxMs = Math.max(maxMs, ms);
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    send({ type: 'end', index, label: c.label, ms, outcome, problem });
  }
  send({ type: 'done', total: cases.length, counts, maxMs, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
}

if (process.send) {
  main().then(
    () => process.disconnect(),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
