// Resampler quality: >= 60 dB rejection above the new Nyquist, flat passband, no imaging; downmix.
import { describe, expect, it } from 'vitest';
import { tone } from '../test-support/dsp';
import { downmix } from './downmix';
import { resample, resampleAudio, Resampler } from './resample';

/** Amplitude of the component at `f` Hz (Hann-windowed projection over the middle 80%). */
function amplitudeAt(x: Float32Array, rate: number, f: number): number {
  const a = Math.floor(x.length * 0.1);
  const b = Math.floor(x.length * 0.9);
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = a; i < b; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i - a)) / (b - a));
    const ph = (2 * Math.PI * f * i) / rate;
    re += w * x[i] * Math.cos(ph);
    im += w * x[i] * Math.sin(ph);
    wsum += w;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

function rmsMid(x: Float32Array): number {
  const a = Math.floor(x.length * 0.1);
  const b = Math.floor(x.length * 0.9);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
}

const db = (r: number): number => 20 * Math.log10(r);

describe('resample', () => {
  for (const [from, f] of [
    [44100, 8500],
    [44100, 9000],
    [44100, 15000],
    [48000, 8200],
    [48000, 20000],
    [22050, 10000],
  ] as const) {
    it(`attenuates a ${f} Hz tone (above the new 8 kHz Nyquist) by >= 60 dB: ${from} -> 16000`, () => {
      const x = tone(f, 0.5, from, 0.5);
      const y = resample(x, from, 16000);
      expect(db(rmsMid(y) / rmsMid(x))).toBeLessThan(-60);
    });
  }

  for (const [from, to] of [
    [44100, 16000],
    [48000, 16000],
    [8000, 16000],
    [16000, 44100],
    [16000, 48000],
    [44100, 44101], // not a small rational: interpolated phase tables
  ] as const) {
    it(`keeps passband tones (1 kHz, 3.3 kHz) within 0.1 dB: ${from} -> ${to}`, () => {
      const x = new Float32Array(Math.round(0.5 * from));
      for (let i = 0; i < x.length; i++) x[i] = 0.4 * Math.sin((2 * Math.PI * 1000 * i) / from) + 0.3 * Math.sin((2 * Math.PI * 3300 * i) / from + 1);
      const y = resample(x, from, to);
      expect(y.length).toBe(Math.ceil((x.length * to) / from));
      expect(Math.abs(db(amplitudeAt(y, to, 1000) / 0.4))).toBeLessThan(0.1);
      expect(Math.abs(db(amplitudeAt(y, to, 3300) / 0.3))).toBeLessThan(0.1);
    });
  }

  it('upsampling 8 kHz -> 16 kHz leaves no image above 4 kHz (>= 60 dB down)', () => {
    const x = tone(1000, 0.5, 8000, 0.5);
    const y = resample(x, 8000, 16000);
    expect(db(amplitudeAt(y, 16000, 7000) / 0.5)).toBeLessThan(-60);
    expect(Math.abs(db(amplitudeAt(y, 16000, 1000) / 0.5))).toBeLessThan(0.1);
  });

  it('returns a copy for equal rates and handles empty and tiny inputs', () => {
    const x = new Float32Array([1, 2, 3]);
    const y = resample(x, 16000, 16000);
    expect(Array.from(y)).toEqual([1, 2, 3]);
    expect(y).not.toBe(x);
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
    expect(resample(new Float32Array(1).fill(1), 44100, 16000).length).toBe(1);
    expect(() => new Resampler(0, 16000)).toThrow(RangeError);
    expect(() => new Resampler(44100.5, 16000)).toThrow(RangeError);
  });

  it('resamples every channel and downmixes to mono', () => {
    const a = resampleAudio({ sampleRate: 48000, channels: [tone(440, 0.1, 48000), tone(440, 0.1, 48000, 0.5, Math.PI)] }, 16000);
    expect(a.sampleRate).toBe(16000);
    expect(a.channels.length).toBe(2);
    const m = downmix(a);
    expect(m.length).toBe(a.channels[0].length);
    expect(Math.max(...Array.from(m).map(Math.abs))).toBeLessThan(1e-6); // opposite phases cancel
    const mono = downmix({ channels: [new Float32Array([0.5, -0.25])] });
    expect(Array.from(mono)).toEqual([0.5, -0.25]);
    expect(Array.from(downmix({ channels: [new Float32Array([1, 1]), new Float32Array([0, 1])] }, { weights: [0.25, 0.75] }))).toEqual([0.25, 1]);
    expect(() => downmix({ channels: [new Float32Array(1)] }, { weights: [1, 2] })).toThrow(RangeError);
  });
});
