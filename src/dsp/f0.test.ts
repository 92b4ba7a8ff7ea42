// YIN F0 on synthetic tones (within 1%), noise/silence (unvoiced) and real female speech (plausible median, smooth contour).
import { describe, expect, it } from 'vitest';
import { f0Yin, shiftLogF0 } from './f0';
import { cathySpeech, tone } from '../test-support/dsp';

describe('f0Yin', () => {
  for (const f of [70, 110, 196, 261.63, 440, 880]) {
    it(`tracks a ${f} Hz tone within 1%`, () => {
      const x = tone(f, 1);
      const r = f0Yin(x);
      expect(r.frames).toBe(1 + Math.floor(x.length / 256));
      let voiced = 0;
      for (let t = 2; t < r.frames - 2; t++) {
        expect(r.voiced[t]).toBe(1);
        expect(Math.abs(Math.exp(r.logF0[t]) / f - 1)).toBeLessThan(0.01);
        voiced++;
      }
      expect(voiced).toBeGreaterThan(50);
    });
  }

  it('tracks a harmonic-rich tone at its fundamental (no octave error)', () => {
    const n = 16000;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) for (let h = 1; h <= 10; h++) x[i] += (0.3 / h) * Math.sin((2 * Math.PI * 150 * h * i) / 16000 + h);
    const r = f0Yin(x);
    for (let t = 2; t < r.frames - 2; t++) expect(Math.abs(Math.exp(r.logF0[t]) / 150 - 1)).toBeLessThan(0.01);
  });

  it('calls silence and white noise unvoiced', () => {
    expect(f0Yin(new Float32Array(8000)).voiced.every((v) => v === 0)).toBe(true);
    let s = 1;
    const noise = new Float32Array(16000).map(() => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    });
    const r = f0Yin(noise);
    const vr = r.voiced.reduce((a, b) => a + b, 0) / r.frames;
    expect(vr).toBeLessThan(0.05);
  });

  it('gives plausible pitch on real female speech (cathy)', async () => {
    const x = await cathySpeech(8);
    const r = f0Yin(x);
    const hz: number[] = [];
    for (let t = 0; t < r.frames; t++) if (r.voiced[t]) hz.push(Math.exp(r.logF0[t]));
    hz.sort((a, b) => a - b);
    const voicedRatio = hz.length / r.frames;
    const median = hz[hz.length >> 1];
    expect(voicedRatio).toBeGreaterThan(0.25);
    expect(voicedRatio).toBeLessThan(0.8);
    expect(median).toBeGreaterThan(130);
    expect(median).toBeLessThan(260);
    // log-F0 is a smooth contour: most consecutive voiced frames differ by < 1 semitone
    let pairs = 0;
    let smooth = 0;
    for (let t = 1; t < r.frames; t++) {
      if (r.voiced[t] && r.voiced[t - 1]) {
        pairs++;
        if (Math.abs(r.logF0[t] - r.logF0[t - 1]) < Math.LN2 / 12) smooth++;
      }
    }
    expect(smooth / pairs).toBeGreaterThan(0.8);
  });

  it('shifts pitch by semitones, leaving unvoiced frames at 0', () => {
    const r = { logF0: new Float32Array([Math.log(200), 0]), voiced: new Float32Array([1, 0]), frames: 2 };
    const s = shiftLogF0(r, 12);
    expect(Math.exp(s[0])).toBeCloseTo(400, 3);
    expect(s[1]).toBe(0);
  });
});
