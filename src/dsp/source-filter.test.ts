// The source-filter synthesis (the neural vocoder's signal path): parity with the Python twin, and the
// properties the pipeline relies on (mel match, pitch, chunk coherence).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { f0Yin } from './f0';
import { logMel } from './mel';
import { defaultAperiodicity, heldPitchHz, positionNoise, pulsePhaseAt, sourceFilter } from './source-filter';
import { HOP } from './stft';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const index = JSON.parse(readFileSync(dir + 'index.json', 'utf8')) as {
  cases: { name: string; samples: number; frames: number }[];
  sourceFilter: { passes: number; phase0: number; startSample: number };
};

function f32(name: string): Float32Array {
  const b = readFileSync(dir + name);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

/** n samples of a 220 Hz tone with 10 harmonics falling as 1/h. */
function tone220(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) for (let h = 1; h <= 10; h++) x[i] += (0.2 / h) * Math.sin((2 * Math.PI * 220 * h * i) / 16000);
  return x;
}

describe('source-filter synthesis', () => {
  for (const c of index.cases) {
    it(`matches the Python synthesis (${c.name})`, () => {
      const mel = f32(`${c.name}.logmel.f32`);
      const f0 = f32(`${c.name}.f0.f32`);
      const want = f32(`${c.name}.sf.f32`);
      const T = c.frames;
      const logF0 = f0.subarray(0, T);
      const voiced = f0.subarray(T, 2 * T);
      const { passes, phase0, startSample } = index.sourceFilter;
      const got = sourceFilter(mel, T, heldPitchHz(logF0, voiced), voiced, defaultAperiodicity(T), { passes, phase0, startSample, length: c.samples });
      expect(got.length).toBe(want.length);
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
      expect(maxErr / Math.max(1e-6, rms(want))).toBeLessThan(1e-3);
    });
  }

  it('makes noise of unit variance that depends only on the absolute position', () => {
    const a = positionNoise(0, new Float64Array(50000));
    expect(Math.abs(rms(a) - 1)).toBeLessThan(0.02);
    const b = positionNoise(1234, new Float64Array(10));
    expect(Array.from(b)).toEqual(Array.from(a.subarray(1234, 1244)));
  });

  it('holds the nearest voiced pitch through unvoiced frames', () => {
    const lf = Float32Array.from([0, Math.log(100), 0, 0, 0, Math.log(200), 0]);
    const v = Float32Array.from([0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(heldPitchHz(lf, v)).map(Math.round)).toEqual([100, 100, 100, 100, 200, 200, 200]);
    expect(heldPitchHz(new Float32Array(3), new Float32Array(3))[0]).toBe(120);
  });

  it('puts the harmonics at the requested pitch and the energy where the log-mel asks', () => {
    // a 220 Hz harmonic tone, analysed, then resynthesized at 220 Hz
    const n = 16000;
    const m = logMel(tone220(n));
    const T = m.frames;
    const hz = new Float64Array(T).fill(220);
    const voiced = new Float32Array(T).fill(1);
    const y = sourceFilter(m.data, T, hz, voiced, defaultAperiodicity(T), { length: n });
    const track = f0Yin(y);
    const f0s = Array.from(track.logF0).filter((_, t) => track.voiced[t] > 0).map(Math.exp).sort((a, b) => a - b);
    expect(f0s.length).toBeGreaterThan(T * 0.8);
    expect(f0s[f0s.length >> 1]).toBeCloseTo(220, -1);
    const back = logMel(y);
    let err = 0;
    for (let i = 0; i < back.data.length; i++) err += Math.abs(back.data[i] - m.data[i]);
    expect(err / back.data.length).toBeLessThan(0.3);
  });

  it('makes frames the tracker called unvoiced periodic only with free voicing', () => {
    // a 220 Hz harmonic tone marked unvoiced throughout, pitch held at 220 Hz, aperiodicity 0.02 everywhere
    const n = 16000;
    const m = logMel(tone220(n));
    const T = m.frames;
    const hz = new Float64Array(T).fill(220);
    const unvoiced = new Float32Array(T);
    const ap = new Float32Array(80 * T).fill(0.02);
    // detail 0: the smooth envelope alone, so matching the log-mel cannot carve harmonics into noise
    const detail = new Float32Array(80 * T);
    const voicedShare = (freeVoicing: boolean): number => {
      const track = f0Yin(sourceFilter(m.data, T, hz, unvoiced, ap, { length: n, freeVoicing, detail }));
      return track.voiced.reduce((a, v) => a + v, 0) / T;
    };
    expect(voicedShare(true)).toBeGreaterThan(0.8);
    expect(voicedShare(false)).toBeLessThan(0.5);
  });

  it('puts harmonics under a smooth envelope (a decoder-like log-mel) instead of noise in the valleys', () => {
    const T = 120;
    const smoothMel = new Float32Array(80 * T);
    for (let b = 0; b < 80; b++) smoothMel.fill(-2 - 0.04 * b, b * T, (b + 1) * T);
    const hz = new Float64Array(T).fill(210);
    const voiced = new Float32Array(T).fill(1);
    const ap = new Float32Array(80 * T).fill(0.02);
    // ripple across the 30 lowest bands of the re-analysed log-mel (harmonics 210 Hz apart span ~6 bands)
    const ripple = (detail: number): number => {
      const y = sourceFilter(smoothMel, T, hz, voiced, ap, { detail: new Float32Array(80 * T).fill(detail) });
      const m = logMel(y);
      let s = 0;
      let n = 0;
      for (let t = 10; t < m.frames - 10; t++) {
        for (let b = 1; b < 29; b++) {
          s += Math.abs(m.data[(b - 1) * m.frames + t] - 2 * m.data[b * m.frames + t] + m.data[(b + 1) * m.frames + t]);
          n++;
        }
      }
      return s / n;
    };
    const harmonic = ripple(0);
    const exact = ripple(1);
    expect(harmonic).toBeGreaterThan(0.8);
    expect(harmonic).toBeGreaterThan(2 * exact);
  });

  it('gives overlapping chunks the same signal, so a crossfade has no seam', () => {
    const n = 3 * 16000;
    const x = new Float32Array(n);
    let ph = 0;
    for (let i = 0; i < n; i++) {
      const f = 150 + 50 * Math.sin((2 * Math.PI * i) / n);
      ph += (2 * Math.PI * f) / 16000;
      x[i] = 0.3 * Math.sin(ph) + 0.1 * Math.sin(2 * ph) + 0.05 * Math.sin(3 * ph);
    }
    const whole = logMel(x);
    const track = f0Yin(x);
    const hz = heldPitchHz(track.logF0, track.voiced);
    const T = whole.frames;
    const ap = defaultAperiodicity(T);
    const full = sourceFilter(whole.data, T, hz, track.voiced, ap, { length: n });
    // the second half as its own chunk: frames from f0 on, phase and noise from the absolute position
    const f0Frame = 80;
    const start = f0Frame * HOP;
    const len = n - start;
    const t2 = 1 + Math.floor(len / HOP);
    const sub = (a: Float32Array): Float32Array => {
      const out = new Float32Array(80 * t2);
      for (let b = 0; b < 80; b++) out.set(a.subarray(b * T + f0Frame, b * T + f0Frame + t2), b * t2);
      return out;
    };
    const part = sourceFilter(sub(whole.data), t2, hz.subarray(f0Frame, f0Frame + t2), track.voiced.subarray(f0Frame, f0Frame + t2), sub(ap),
      { length: len, phase0: pulsePhaseAt(hz, f0Frame), startSample: start });
    // away from the chunk's own edges (analysis windows reach past them), both agree closely
    const a = full.subarray(start + 2048, start + len - 2048);
    const b = part.subarray(2048, len - 2048);
    let d = 0;
    for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
    expect(Math.sqrt(d / a.length) / rms(a)).toBeLessThan(0.05);
  });
});
