// WAV and FLAC encoders: bit-exact 16/24-bit round trips through decode.ts, dither, MD5, edge cases.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cathySpeech } from '../test-support/dsp';
import { decodeAudio, decodeWav } from './decode';
import { encodeFlac } from './flac-encode';
import { seededRandom } from '../dsp/random';
import { encodeWav, quantize } from './wav-encode';

function randomInts(n: number, bits: number, seed: number): Int32Array {
  const r = seededRandom(seed);
  const s = 2 ** (bits - 1);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(s - 1, Math.max(-s, Math.floor((r() * 2 - 1) * s * (i % 3 === 0 ? 1 : 0.01))));
  return out;
}

const toFloat = (ints: Int32Array, bits: number): Float32Array => Float32Array.from(ints, (v) => v / 2 ** (bits - 1));

function expectSameInts(decoded: Float32Array, ints: Int32Array, bits: number): void {
  expect(decoded.length).toBe(ints.length);
  const back = quantize(decoded, bits, false, Math.random);
  let mismatches = 0;
  for (let i = 0; i < ints.length; i++) if (back[i] !== ints[i]) mismatches++;
  expect(mismatches).toBe(0);
}

describe('WAV encode', () => {
  for (const bits of [16, 24] as const) {
    it(`round-trips ${bits}-bit integer PCM bit-exactly (stereo, full range)`, () => {
      const l = randomInts(5000, bits, 1);
      const r = randomInts(5000, bits, 2);
      l[0] = -(2 ** (bits - 1));
      l[1] = 2 ** (bits - 1) - 1;
      const w = encodeWav({ sampleRate: 44100, channels: [toFloat(l, bits), toFloat(r, bits)] }, { format: bits === 16 ? 'int16' : 'int24' });
      const d = decodeWav(w);
      expect(d.sampleRate).toBe(44100);
      expectSameInts(d.channels[0], l, bits);
      expectSameInts(d.channels[1], r, bits);
    });
  }

  it('writes 32-bit float exactly and multichannel as WAVE_FORMAT_EXTENSIBLE', () => {
    const chans = [0, 1, 2, 3, 4, 5].map((c) => Float32Array.from({ length: 100 }, (_, i) => Math.sin(i * 0.1 + c) * 0.9));
    const f = decodeWav(encodeWav({ sampleRate: 48000, channels: chans }, { format: 'float32' }));
    expect(f.channels.map((c) => Array.from(c))).toEqual(chans.map((c) => Array.from(c)));
    const w = encodeWav({ sampleRate: 48000, channels: chans }, { format: 'int16' });
    expect(new DataView(w.buffer).getUint16(20, true)).toBe(0xfffe);
    expect(decodeWav(w).channels.length).toBe(6);
  });

  it('clamps out-of-range values and NaN instead of wrapping', () => {
    const d = decodeWav(encodeWav({ sampleRate: 8000, channels: [new Float32Array([2, -2, NaN, 1])] }));
    expect(Array.from(d.channels[0])).toEqual([32767 / 32768, -1, 0, 32767 / 32768]);
  });

  it('TPDF dither is deterministic, unbiased and at most 1 LSB from the plain rounding', () => {
    const x = new Float32Array(20000).fill(0.3 / 32768); // 0.3 LSB: plain rounding gives all zeros
    const a = decodeWav(encodeWav({ sampleRate: 8000, channels: [x] }, { dither: true, seed: 5 })).channels[0];
    const b = decodeWav(encodeWav({ sampleRate: 8000, channels: [x] }, { dither: true, seed: 5 })).channels[0];
    expect(Array.from(a)).toEqual(Array.from(b));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean * 32768).toBeCloseTo(0.3, 1);
    expect(a.every((v) => Math.abs(v * 32768 - 0.3) <= 1.5)).toBe(true);
  });
});

describe('FLAC encode', () => {
  for (const bits of [16, 24] as const) {
    it(`round-trips ${bits}-bit stereo bit-exactly through the FLAC decoder`, async () => {
      const l = randomInts(10000, bits, 3);
      const r = randomInts(10000, bits, 4);
      const f = encodeFlac({ sampleRate: 44100, channels: [toFloat(l, bits), toFloat(r, bits)] }, { bitsPerSample: bits, blockSize: 4096 });
      const d = await decodeAudio(f);
      expect(d.sampleRate).toBe(44100);
      expectSameInts(d.channels[0], l, bits);
      expectSameInts(d.channels[1], r, bits);
    });
  }

  it('compresses real speech losslessly (16-bit, mono) and stores the MD5 of the samples', async () => {
    const x = await cathySpeech(4);
    const ints = quantize(x, 16, false, Math.random);
    const f = encodeFlac({ sampleRate: 16000, channels: [x] });
    expect(f.length).toBeLessThan(0.7 * x.length * 2); // fixed predictors + Rice beat raw PCM
    const d = await decodeAudio(f);
    expectSameInts(d.channels[0], ints, 16);
    const md5 = createHash('md5').update(Buffer.from(new Int16Array(ints).buffer)).digest();
    expect(Buffer.from(f.subarray(8 + 18, 8 + 34)).equals(md5)).toBe(true);
  });

  it('handles silence, a constant, odd lengths, tiny blocks and many channels', async () => {
    const chans = [new Float32Array(1001), new Float32Array(1001).fill(0.5), Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 0.5)];
    const f = encodeFlac({ sampleRate: 22050, channels: chans }, { blockSize: 192 });
    const d = await decodeAudio(f);
    expect(d.channels.length).toBe(3);
    for (let c = 0; c < 3; c++) expectSameInts(d.channels[c], quantize(chans[c], 16, false, Math.random), 16);
  });

  it('round-trips arbitrary 16-bit signals (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 16, maxLength: 3000 }), fc.constantFrom(16, 100, 1152, 4096), async (arr, bs) => {
        const ints = Int32Array.from(arr);
        const d = await decodeAudio(encodeFlac({ sampleRate: 16000, channels: [toFloat(ints, 16)] }, { blockSize: bs }));
        expectSameInts(d.channels[0], ints, 16);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects invalid arguments', () => {
    expect(() => encodeFlac({ sampleRate: 16000, channels: [] })).toThrow(RangeError);
    expect(() => encodeFlac({ sampleRate: 0, channels: [new Float32Array(10)] })).toThrow(RangeError);
    expect(() => encodeWav({ sampleRate: 16000, channels: [new Float32Array(2), new Float32Array(3)] })).toThrow(RangeError);
  });
});
