import { describe, expect, it } from 'vitest';
import { concatChunks, decodeWav, durationOf, encodeWav, readWavInfo } from './wav';

const audio = (rate: number, ...chs: number[][]) => ({ sampleRate: rate, channels: chs.map((c) => Float32Array.from(c)) });

describe('encodeWav', () => {
  it('writes a canonical 44-byte PCM16 header', () => {
    const bytes = encodeWav(audio(16000, [0, 0.5, -0.5, 1]), 'pcm16');
    const view = new DataView(bytes.buffer);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(36 + 8);
    expect(String.fromCharCode(...bytes.subarray(8, 16))).toBe('WAVEfmt ');
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(16000);
    expect(view.getUint32(28, true)).toBe(32000);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(8);
    expect(view.getInt16(44 + 6, true)).toBe(32767);
    expect(view.getInt16(44 + 4, true)).toBe(-16384);
  });

  it('clips out-of-range and non-finite samples', () => {
    const back = decodeWav(encodeWav(audio(8000, [2, -3, Number.NaN]), 'pcm16'));
    expect(Array.from(back.channels[0])).toEqual([32767 / 32768, -1, 0]);
  });

  it.each(['pcm16', 'pcm24', 'float32'] as const)('round-trips stereo %s', (format) => {
    const src = audio(44100, [0.1, -0.25, 0.75], [-0.9, 0.3, 0]);
    const back = decodeWav(encodeWav(src, format));
    expect(back.sampleRate).toBe(44100);
    expect(back.channels).toHaveLength(2);
    const tol = format === 'pcm16' ? 1e-4 : 1e-6;
    for (let c = 0; c < 2; c++) for (let i = 0; i < 3; i++) expect(Math.abs(back.channels[c][i] - src.channels[c][i])).toBeLessThan(tol);
  });
});

describe('readWavInfo', () => {
  it('reports the duration and skips unknown chunks', () => {
    const plain = encodeWav(audio(16000, new Array(16000).fill(0)));
    // Insert a LIST chunk between fmt and data.
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]);
    const bytes = new Uint8Array(plain.length + list.length);
    bytes.set(plain.subarray(0, 36));
    bytes.set(list, 36);
    bytes.set(plain.subarray(36), 36 + list.length);
    const info = readWavInfo(bytes);
    expect(info.durationSec).toBe(1);
    expect(info.frames).toBe(16000);
  });

  it('rejects what is not a WAV file', () => {
    expect(() => readWavInfo(new TextEncoder().encode('ID3 not a wav file at all'))).toThrow('Not a WAV file.');
    const noData = encodeWav(audio(16000, [0])).subarray(0, 36);
    expect(() => readWavInfo(noData)).toThrow(/no audio data/);
  });
});

describe('helpers', () => {
  it('joins recorder chunks and measures duration', () => {
    const joined = concatChunks([Float32Array.from([1, 2]), Float32Array.from([3])]);
    expect(Array.from(joined)).toEqual([1, 2, 3]);
    expect(durationOf({ sampleRate: 2, channels: [joined] })).toBe(1.5);
  });
});
