// Decoding of every supported format and the typed errors for empty, truncated, corrupt, oversized and non-audio input.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATHY_DIR, cathyFiles } from '../test-support/dsp';
import { AudioDecodeError, decodeAudio, decodeAudioFile, decodeWav, detectFormat, type AudioDecodeErrorCode } from './decode';
import { encodeWav } from './wav-encode';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(fixtures + name));
const cathy = (): Uint8Array => new Uint8Array(readFileSync(`${CATHY_DIR}/${cathyFiles()[0]}`));

/** Build a WAV by hand: fmt fields, raw data bytes, optional declared data size. */
function rawWav(o: { tag: number; channels: number; rate: number; bits: number; blockAlign?: number; data: Uint8Array; declared?: number; ext?: number }): Uint8Array {
  const fmtSize = o.ext !== undefined ? 40 : 16;
  const b = new Uint8Array(12 + 8 + fmtSize + 8 + o.data.length);
  const dv = new DataView(b.buffer);
  const s = (p: number, t: string): void => t.split('').forEach((c, i) => (b[p + i] = c.charCodeAt(0)));
  s(0, 'RIFF');
  dv.setUint32(4, b.length - 8, true);
  s(8, 'WAVE');
  s(12, 'fmt ');
  dv.setUint32(16, fmtSize, true);
  dv.setUint16(20, o.ext !== undefined ? 0xfffe : o.tag, true);
  dv.setUint16(22, o.channels, true);
  dv.setUint32(24, o.rate, true);
  const ba = o.blockAlign ?? (o.channels * o.bits) / 8;
  dv.setUint32(28, o.rate * ba, true);
  dv.setUint16(32, ba, true);
  dv.setUint16(34, o.bits, true);
  if (o.ext !== undefined) {
    dv.setUint16(36, 22, true);
    dv.setUint16(38, o.bits, true);
    dv.setUint16(44, o.ext, true);
    b.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
  }
  const d = 20 + fmtSize;
  s(d, 'data');
  dv.setUint32(d + 4, o.declared ?? o.data.length, true);
  b.set(o.data, d + 8);
  return b;
}

async function code(p: Promise<unknown> | (() => unknown)): Promise<AudioDecodeErrorCode | 'OK'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (e) {
    expect(e).toBeInstanceOf(AudioDecodeError);
    expect((e as Error).message.length).toBeGreaterThan(10);
    return (e as AudioDecodeError).code;
  }
}

function zeroCrossFreq(x: Float32Array, rate: number): number {
  let c = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) c++;
  return (c * rate) / x.length;
}

describe('decode: WAV', () => {
  it('decodes 8/16/24/32-bit int and 32/64-bit float sample values exactly', () => {
    const u8 = decodeWav(rawWav({ tag: 1, channels: 1, rate: 8000, bits: 8, data: new Uint8Array([0, 128, 255]) }));
    expect(Array.from(u8.channels[0])).toEqual([-1, 0, 127 / 128]);
    const s16 = decodeWav(rawWav({ tag: 1, channels: 2, rate: 22050, bits: 16, data: new Uint8Array([0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0xff, 0xff]) }));
    expect(s16.sampleRate).toBe(22050);
    expect(Array.from(s16.channels[0])).toEqual([-1, 1 / 32768]);
    expect(Array.from(s16.channels[1])).toEqual([32767 / 32768, -1 / 32768]);
    const s24 = decodeWav(rawWav({ tag: 1, channels: 1, rate: 96000, bits: 24, data: new Uint8Array([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]) }));
    expect(Array.from(s24.channels[0])).toEqual([-1, 8388607 / 8388608, -1 / 8388608]);
    const i32 = new Uint8Array(8);
    new DataView(i32.buffer).setInt32(0, -2147483648, true);
    new DataView(i32.buffer).setInt32(4, 1 << 30, true);
    expect(Array.from(decodeWav(rawWav({ tag: 1, channels: 1, rate: 48000, bits: 32, data: i32 })).channels[0])).toEqual([-1, 0.5]);
    const f32 = new Uint8Array(8);
    new DataView(f32.buffer).setFloat32(0, 0.25, true);
    new DataView(f32.buffer).setFloat32(4, NaN, true);
    expect(Array.from(decodeWav(rawWav({ tag: 3, channels: 1, rate: 48000, bits: 32, data: f32 })).channels[0])).toEqual([0.25, 0]);
    const f64 = new Uint8Array(16);
    new DataView(f64.buffer).setFloat64(0, -0.125, true);
    new DataView(f64.buffer).setFloat64(8, 0.5, true);
    expect(Array.from(decodeWav(rawWav({ tag: 3, channels: 1, rate: 44100, bits: 64, data: f64 })).channels[0])).toEqual([-0.125, 0.5]);
  });

  it('decodes WAVE_FORMAT_EXTENSIBLE multichannel (6 ch int24, 3 ch float)', () => {
    const frames = 10;
    const data = new Uint8Array(frames * 6 * 3);
    for (let i = 0; i < frames; i++) for (let c = 0; c < 6; c++) data[(i * 6 + c) * 3 + 2] = c; // value c << 16
    const a = decodeWav(rawWav({ tag: 1, channels: 6, rate: 48000, bits: 24, data, ext: 1 }));
    expect(a.channels.length).toBe(6);
    for (let c = 0; c < 6; c++) expect(a.channels[c][3]).toBe((c << 16) / 8388608);
    const fl = new Uint8Array(2 * 3 * 4);
    new DataView(fl.buffer).setFloat32(8, 0.75, true);
    const b = decodeWav(rawWav({ tag: 3, channels: 3, rate: 32000, bits: 32, data: fl, ext: 3 }));
    expect(b.channels[2][0]).toBe(0.75);
  });

  it('decodes A-law and mu-law', () => {
    const a = decodeWav(rawWav({ tag: 6, channels: 1, rate: 8000, bits: 8, data: new Uint8Array([0xd5, 0x55, 0xaa]) }));
    expect(Math.abs(a.channels[0][0])).toBeLessThan(0.001);
    expect(a.channels[0][2]).toBeCloseTo(32256 / 32768, 4);
    const u = decodeWav(rawWav({ tag: 7, channels: 1, rate: 8000, bits: 8, data: new Uint8Array([0xff, 0x80, 0x00]) }));
    expect(u.channels[0][0]).toBe(0);
    expect(u.channels[0][1]).toBeCloseTo(32124 / 32768, 4);
    expect(u.channels[0][2]).toBeCloseTo(-32124 / 32768, 4);
  });

  it('rejects absurd headers with typed errors', async () => {
    const d = new Uint8Array(400);
    expect(await code(() => decodeWav(rawWav({ tag: 1, channels: 0, rate: 16000, bits: 16, blockAlign: 2, data: d })))).toBe('CORRUPT');
    expect(await code(() => decodeWav(rawWav({ tag: 1, channels: 1, rate: 0, bits: 16, data: d })))).toBe('CORRUPT');
    expect(await code(() => decodeWav(rawWav({ tag: 1, channels: 1, rate: 2_000_000, bits: 16, data: d })))).toBe('CORRUPT');
    expect(await code(() => decodeWav(rawWav({ tag: 1, channels: 1, rate: 16000, bits: 16, blockAlign: 7, data: d })))).toBe('CORRUPT');
    expect(await code(() => decodeWav(rawWav({ tag: 2, channels: 1, rate: 16000, bits: 4, blockAlign: 256, data: d })))).toBe('UNSUPPORTED_FORMAT');
    expect(await code(() => decodeWav(rawWav({ tag: 1, channels: 1, rate: 16000, bits: 16, data: new Uint8Array(0) })))).toBe('NO_AUDIO');
  });

  it('reports a WAV cut short, or decodes what is there when allowed', async () => {
    const full = encodeWav({ sampleRate: 16000, channels: [new Float32Array(16000).fill(0.25)] });
    const cut = full.subarray(0, 10000);
    expect(await code(decodeAudio(cut))).toBe('TRUNCATED');
    const part = await decodeAudio(cut, { allowTruncated: true });
    expect(part.channels[0].length).toBe(Math.floor((10000 - 44) / 2));
    expect(await code(decodeAudio(full.subarray(0, 30)))).toBe('TRUNCATED');
    expect(await code(decodeAudio(full.subarray(0, 3)))).toBe('TRUNCATED');
    // declared size far beyond the file
    expect(await code(() => decodeWav(rawWav({ tag: 1, channels: 1, rate: 16000, bits: 16, data: new Uint8Array(100), declared: 0x7fffff00 })))).toBe('TRUNCATED');
  });

  it('reads a streamed WAV whose data size is 0xFFFFFFFF', () => {
    const w = rawWav({ tag: 1, channels: 1, rate: 16000, bits: 16, data: new Uint8Array(200), declared: 0xffffffff });
    expect(decodeWav(w).channels[0].length).toBe(100);
  });

  it('enforces the size and duration limits', async () => {
    const w = encodeWav({ sampleRate: 8000, channels: [new Float32Array(8000 * 5)] });
    expect(await code(decodeAudio(w, { maxSeconds: 4 }))).toBe('TOO_LARGE');
    expect(await code(decodeAudio(w, { maxBytes: 1000 }))).toBe('TOO_LARGE');
    expect((await decodeAudio(w, { maxSeconds: 6 })).channels[0].length).toBe(40000);
  });

  it('never throws anything but AudioDecodeError on mutated WAV bytes (fuzz)', async () => {
    const base = encodeWav({ sampleRate: 16000, channels: [new Float32Array(300).fill(0.1), new Float32Array(300)] }, { format: 'int24' });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length + 20), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat(base.length), async (muts, len) => {
        const b = new Uint8Array(base.subarray(0, Math.max(1, len)));
        for (const [i, v] of muts) if (i < b.length) b[i] = v;
        const r = await code(decodeAudio(b, { maxSeconds: 60 }));
        expect(typeof r).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('decode: FLAC, MP3, Ogg Vorbis, Ogg Opus', () => {
  it('detects formats by magic bytes', () => {
    expect(detectFormat(cathy())).toBe('flac');
    expect(detectFormat(fixture('tone-44k-stereo.mp3'))).toBe('mp3');
    expect(detectFormat(fixture('tone-16k-mono.ogg'))).toBe('ogg-vorbis');
    expect(detectFormat(fixture('tone-48k-mono.opus'))).toBe('ogg-opus');
    expect(detectFormat(encodeWav({ sampleRate: 8000, channels: [new Float32Array(10)] }))).toBe('wav');
    expect(detectFormat(new TextEncoder().encode('hello world, not audio'))).toBe(null);
  });

  it('decodes real speech FLAC (cathy, 16 kHz mono)', async () => {
    const a = await decodeAudio(cathy());
    expect(a.sampleRate).toBe(16000);
    expect(a.channels.length).toBe(1);
    expect(a.channels[0].length).toBeGreaterThan(16000);
    const pk = a.channels[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(pk).toBeGreaterThan(0.05);
    expect(pk).toBeLessThanOrEqual(1);
  });

  it('decodes MP3 (44.1 kHz stereo, 440/660 Hz)', async () => {
    const a = await decodeAudio(fixture('tone-44k-stereo.mp3'));
    expect(a.sampleRate).toBe(44100);
    expect(a.channels.length).toBe(2);
    expect(Math.abs(a.channels[0].length / 44100 - 1)).toBeLessThan(0.1);
    expect(zeroCrossFreq(a.channels[0].subarray(4000, 40000), 44100)).toBeCloseTo(440, -1);
    expect(zeroCrossFreq(a.channels[1].subarray(4000, 40000), 44100)).toBeCloseTo(660, -1);
  });

  it('decodes Ogg Vorbis (16 kHz mono) and Ogg Opus (48 kHz)', async () => {
    const v = await decodeAudio(fixture('tone-16k-mono.ogg'));
    expect(v.sampleRate).toBe(16000);
    expect(v.channels.length).toBe(1);
    expect(Math.abs(v.channels[0].length / 16000 - 1)).toBeLessThan(0.05);
    expect(zeroCrossFreq(v.channels[0].subarray(1000, 15000), 16000)).toBeCloseTo(440, -1);
    const o = await decodeAudio(fixture('tone-48k-mono.opus'));
    expect(o.sampleRate).toBe(48000);
    expect(Math.abs(o.channels[0].length / 48000 - 1)).toBeLessThan(0.05);
    expect(zeroCrossFreq(o.channels[0].subarray(3000, 45000), 48000)).toBeCloseTo(440, -1);
  });

  it('gives typed errors for empty, truncated, corrupt and non-audio input', async () => {
    expect(await code(decodeAudio(new Uint8Array(0)))).toBe('EMPTY');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    await expect(decodeAudio(png)).rejects.toThrow(/PNG/);
    expect(await code(decodeAudio(png))).toBe('UNSUPPORTED_FORMAT');
    expect(await code(decodeAudio(new TextEncoder().encode('{"not": "audio"}')))).toBe('UNSUPPORTED_FORMAT');
    let s = 7;
    const noise = new Uint8Array(5000).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 0xfe); // no 0xff: no MPEG sync
    expect(await code(decodeAudio(noise))).toBe('UNSUPPORTED_FORMAT');

    const flac = cathy();
    expect(await code(decodeAudio(flac.subarray(0, 20)))).toBe('TRUNCATED');
    expect(await code(decodeAudio(flac.subarray(0, Math.floor(flac.length / 2))))).toBe('TRUNCATED');
    const half = await decodeAudio(flac.subarray(0, Math.floor(flac.length / 2)), { allowTruncated: true });
    expect(half.channels[0].length).toBeGreaterThan(4000);
    const bad = flac.slice();
    for (let i = 2000; i < bad.length; i += 97) bad[i] ^= 0x5a;
    expect(await code(decodeAudio(bad))).toBe('CORRUPT');

    const ogg = fixture('tone-16k-mono.ogg');
    expect(await code(decodeAudio(ogg.subarray(0, ogg.length - 500)))).toBe('TRUNCATED');
    const badOgg = ogg.slice();
    for (let i = 400; i < badOgg.length; i += 50) badOgg[i] ^= 0xff;
    expect(['CORRUPT', 'TRUNCATED']).toContain(await code(decodeAudio(badOgg)));
    const opus = fixture('tone-48k-mono.opus');
    expect(await code(decodeAudio(opus.subarray(0, opus.length - 300)))).toBe('TRUNCATED');

    const mp3 = fixture('tone-44k-stereo.mp3');
    const badMp3 = mp3.slice();
    let r = 3;
    for (let i = 1200; i < badMp3.length; i++) badMp3[i] = (r = (r * 1103515245 + 12345) >>> 0) >>> 24;
    expect(await code(decodeAudio(badMp3))).toBe('CORRUPT');
    // LAME writes an Info header with the frame count, so a cut MP3 is detected
    expect(await code(decodeAudio(mp3.subarray(0, 3000)))).toBe('TRUNCATED');
    expect((await decodeAudio(mp3.subarray(0, 3000), { allowTruncated: true })).channels.length).toBe(2);
  });

  it('refuses compressed files longer than maxSeconds', async () => {
    expect(await code(decodeAudio(fixture('tone-16k-mono.ogg'), { maxSeconds: 0.5 }))).toBe('TOO_LARGE');
    expect(await code(decodeAudio(fixture('tone-48k-mono.opus'), { maxSeconds: 0.5 }))).toBe('TOO_LARGE');
    expect(await code(decodeAudio(fixture('tone-44k-stereo.mp3'), { maxSeconds: 0.4 }))).toBe('TOO_LARGE');
    expect(await code(decodeAudio(cathy(), { maxSeconds: 1 }))).toBe('TOO_LARGE');
  });

  it('reads files from disk with the size limit checked first', async () => {
    const a = await decodeAudioFile(fixtures + 'tone-16k-mono.ogg');
    expect(a.sampleRate).toBe(16000);
    expect(await code(decodeAudioFile(fixtures + 'tone-16k-mono.ogg', { maxBytes: 100 }))).toBe('TOO_LARGE');
  });

  it('never throws anything but AudioDecodeError on mutated FLAC, MP3, Ogg Vorbis and Opus bytes (fuzz)', async () => {
    const bases = [cathy().subarray(0, 20000), fixture('tone-44k-stereo.mp3'), fixture('tone-16k-mono.ogg'), fixture('tone-48k-mono.opus')];
    for (const base of bases) {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 20 }), fc.nat(base.length), async (muts, len) => {
          const b = new Uint8Array(base.subarray(0, Math.max(1, len)));
          for (const [i, v] of muts) if (i < b.length) b[i] = v;
          const r = await code(decodeAudio(b, { allowTruncated: len % 2 === 0 }));
          expect(typeof r).toBe('string');
        }),
        { numRuns: 40 },
      );
    }
  });
});
