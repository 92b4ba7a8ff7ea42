import { describe, expect, it } from 'vitest';
import { clippingRatio, integratedLoudness, peak, rms, toDb } from '../audio/level';
import { ANOMALY_HOP_SEC, buildReport, loudnessLufs, measureLevels, newFrameStats } from './analyze';
import { cathySeconds, noise } from '../test-support/models';

const sine = (f: number, sec: number, amp: number, rate = 16000) =>
  Float32Array.from({ length: Math.round(sec * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));

describe('levels', () => {
  it('measures peak, RMS and BS.1770 loudness of a 1 kHz sine', () => {
    for (const rate of [16000, 48000]) {
      const x = sine(997, 3, 0.1, rate);
      const lv = measureLevels({ sampleRate: rate, channels: [x] });
      expect(lv.peakDb).toBeCloseTo(-20, 1);
      expect(lv.rmsDb).toBeCloseTo(-23.01, 1);
      expect(lv.loudnessLufs).toBeCloseTo(-23.0, 0); // a 1 kHz sine at -20 dBFS peak reads about -23 LUFS
      expect(lv.clippingRatio).toBe(0);
    }
    expect(loudnessLufs([new Float32Array(16000)], 16000)).toBe(-70);
  });

  it('streams the same integrated loudness as audio/level on real-ish signals', () => {
    const x = noise(5, 0.2).map((v, i) => v * Math.max(0, Math.sin(i / 3000)));
    for (const rate of [16000, 44100]) {
      const y = x.subarray(0, Math.min(x.length, rate * 4));
      expect(loudnessLufs([y, y.map((v) => v * 0.5)], rate)).toBeCloseTo(integratedLoudness({ sampleRate: rate, channels: [y, y.map((v) => v * 0.5)] }), 2);
    }
  });

  it('one definition of levels: the gate reads peak, RMS, clipping and loudness from audio/level (issue 15)', () => {
    // A signal clipped below full scale (flat tops at 0.8) and one clipped at full scale, stereo.
    const soft = sine(150, 1, 2).map((v) => Math.max(-0.8, Math.min(0.8, v)));
    const hard = sine(220, 1, 3).map((v) => Math.max(-1, Math.min(1, v)));
    for (const channels of [[soft], [hard], [soft, hard], [sine(997, 1, 0.1)]]) {
      const audio = { sampleRate: 16000, channels };
      const lv = measureLevels(audio);
      expect(lv.clippingRatio).toBe(clippingRatio(audio));
      expect(lv.peakDb).toBe(toDb(peak(audio)));
      expect(lv.rmsDb).toBe(toDb(rms(audio)));
      expect(lv.loudnessLufs).toBe(integratedLoudness(audio));
    }
    // The flattened tops at 0.8 count as clipping in both places (audio/level used to count only full scale).
    expect(clippingRatio({ channels: [soft] })).toBeGreaterThan(0.3);
    expect(clippingRatio({ channels: [sine(150, 1, 0.8)] })).toBe(0);
  });

  it('detects clipping, silence and a noise floor', () => {
    const clipped = sine(200, 2, 3).map((v) => Math.max(-1, Math.min(1, v)));
    expect(measureLevels({ sampleRate: 16000, channels: [clipped] }).clippingRatio).toBeGreaterThan(0.3);
    const half = new Float32Array(32000);
    half.set(sine(300, 1, 0.5));
    const lv = measureLevels({ sampleRate: 16000, channels: [half] });
    expect(lv.silenceRatio).toBeCloseTo(0.5, 1);
    const hum = measureLevels({ sampleRate: 16000, channels: [noise(3, 0.3)] });
    expect(hum.snrDb).toBeLessThan(4);
  });

  it('gives a verdict with plain reasons from the classical checks', () => {
    const silent = new Float32Array(32000);
    const r1 = buildReport({ sampleRate: 16000, channels: [silent] }, measureLevels({ sampleRate: 16000, channels: [silent] }), null);
    expect(r1.verdict).toBe('reject');
    expect(r1.reasons.join(' ')).toMatch(/silent/);
    const n = noise(3);
    const r2 = buildReport({ sampleRate: 16000, channels: [n] }, measureLevels({ sampleRate: 16000, channels: [n] }), null);
    expect(r2.verdict).toBe('reject');
    expect(r2.reasons.join(' ')).toMatch(/noise/);
    const short = sine(200, 0.2, 0.5);
    expect(buildReport({ sampleRate: 16000, channels: [short] }, measureLevels({ sampleRate: 16000, channels: [short] }), null).reasons[0]).toMatch(/too short/);
  });
});

describe('quiet speech', () => {
  it('is very quiet, not silent: a warning, no "mostly silence", and the anomaly scorer runs on it', async () => {
    const speech = (await cathySeconds(4)).channels[0];
    let peak = 0;
    for (const v of speech) peak = Math.max(peak, Math.abs(v));
    const quiet = { sampleRate: 16000, channels: [speech.map((v) => (v * 10 ** (-63 / 20)) / peak)] };
    const lv = measureLevels(quiet);
    expect(lv.peakDb).toBeCloseTo(-63, 1);
    const r = buildReport(quiet, lv, null);
    expect(r.verdict).toBe('warn');
    expect(r.reasons.join(' ')).toMatch(/very quiet/);
    expect(r.reasons.join(' ')).not.toMatch(/silent|mostly silence/);
    // Digital silence is still silence.
    expect(buildReport({ sampleRate: 16000, channels: [new Float32Array(48000)] }, measureLevels({ sampleRate: 16000, channels: [new Float32Array(48000)] }), null).reasons.join(' ')).toMatch(/silent/);
  });
});

describe('noise and tones the autoencoder reconstructs well', () => {
  /** 6 s of frames that score as clean speech, with flatness and tonality set per test. */
  const speechLike = (edit: (t: number, s: ReturnType<typeof newFrameStats>) => void) => {
    const frames = Math.round(6 / ANOMALY_HOP_SEC);
    const s = newFrameStats(frames);
    for (let t = 0; t < frames; t++) {
      s.errors[t] = 0.5;
      s.meanLogMel[t] = -3 + 0.5 * Math.sin(t / 7); // speech level, varying
      s.logEnergy[t] = s.meanLogMel[t] + 1; // flatness e^-1 = 0.37, as speech
      s.tonality[t] = 0.2;
      edit(t, s);
    }
    const audio = { sampleRate: 16000, channels: [sine(200, 6, 0.3).map((v, i) => v * (i % 16000 < 12000 ? 1 : 0.05))] };
    return buildReport(audio, measureLevels(audio), { ...s, scores: s.errors, utteranceScore: 0.5 });
  };
  const frame = (sec: number) => Math.round(sec / ANOMALY_HOP_SEC);

  it('flags a loud stretch as flat as white noise, and names it', () => {
    const r = speechLike((t, s) => {
      if (t >= frame(2) && t < frame(3)) {
        s.meanLogMel[t] = -2.5;
        s.logEnergy[t] = -2.45; // as loud as the speech, flatness 0.95
      }
    });
    expect(r.flagged).toHaveLength(1);
    expect(r.flagged[0].reason).toMatch(/broadband noise/);
    expect(r.flagged[0].start).toBeCloseTo(2, 1);
    expect(r.flagged[0].end).toBeCloseTo(3, 1);
    expect(r.verdict).toBe('warn');
  });

  it('flags a loud steady tone', () => {
    const r = speechLike((t, s) => {
      if (t >= frame(4) && t < frame(4.5)) {
        s.tonality[t] = 0.9;
        s.meanLogMel[t] = -12; // a tone's mean log-mel is low, its energy is not
        s.logEnergy[t] = -2;
      }
    });
    expect(r.flagged.map((f) => f.reason)).toEqual([expect.stringMatching(/steady tone/)]);
    expect(r.verdict).toBe('warn'); // however short a part of the clip it is
    expect(r.reasons.join(' ')).toMatch(/0\.5 s/);
  });

  it('leaves short noisy moments (fricatives) and quiet hiss between words alone', () => {
    const fricatives = speechLike((t, s) => {
      if (t % frame(1) < frame(0.2)) s.logEnergy[t] = s.meanLogMel[t] + 0.1; // 0.2 s of hiss every second
    });
    expect(fricatives.flagged).toEqual([]);
    expect(fricatives.verdict).toBe('ok');
    const quietHiss = speechLike((t, s) => {
      if (t >= frame(2) && t < frame(3)) {
        s.meanLogMel[t] = -6; // 13 dB under the speech
        s.logEnergy[t] = -5.95;
      }
    });
    expect(quietHiss.flagged).toEqual([]);
  });
});
