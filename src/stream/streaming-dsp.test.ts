// The streaming converter's signal path without the exported graphs (a stub model that records what the
// content encoder is given and "decodes" by returning the input mel): the log-mel of every final frame
// equals the offline log-mel of the whole signal (the contract's features, computed once per frame and
// kept); the pitch the decoder gets is frozen per frame; the resynthesized stream is as long as the input
// plus the stated delay and finite. Runs everywhere (no models needed).
import { describe, expect, it } from 'vitest';
import { LogMelExtractor } from '../dsp/mel.js';
import type { VoiceModel } from '../model/inference.js';
import type { TargetVoice } from '../pipeline/pipeline.js';
import { measureDelay } from './latency.js';
import { plainSourceFilterVocoder, StreamingConverter } from './streaming-converter.js';
import { streamThrough } from '../test-support/stream.js';

const HOP = 256;

/** A vowel-like test signal: a gliding harmonic tone with syllable-rate amplitude. */
function tone(seconds: number): Float32Array {
  const n = Math.round(seconds * 16000);
  const x = new Float32Array(n);
  let phi = 0;
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    const f = 140 + 30 * Math.sin(2 * Math.PI * 0.7 * t);
    phi += (2 * Math.PI * f) / 16000;
    const env = Math.max(0, Math.sin(2 * Math.PI * 2.5 * t)) ** 0.5;
    let v = 0;
    for (let k = 1; k <= 12; k++) v += Math.sin(k * phi) / k;
    x[i] = 0.2 * env * v;
  }
  return x;
}

function stubModel(seen: { mel: Float32Array; frames: number }[]): VoiceModel {
  return {
    embeddingDim: 4,
    contentChannels: 80,
    manifest: { f0Input: { center: 5, scale: 0.5 } },
    async content(mel: Float32Array, frames: number) {
      seen.push({ mel: mel.slice(), frames });
      return mel.slice();
    },
    async decode(content: Float32Array) {
      return content;
    },
    streaming() {
      return null; // the identity stub is its own causal pair: exercise the window path as is
    },
    f0Input(logF0: ArrayLike<number>, voiced: ArrayLike<number>) {
      const n = logF0.length;
      const out = new Float32Array(2 * n);
      for (let t = 0; t < n; t++) {
        out[t] = voiced[t] > 0.5 ? (logF0[t] - 5) / 0.5 : 0;
        out[n + t] = voiced[t] > 0.5 ? 1 : 0;
      }
      return out;
    },
  } as unknown as VoiceModel;
}

const target: TargetVoice = { embedding: new Float32Array(4), f0: { mean: Math.log(140), std: 0.1 } };

describe('streaming signal path (stub model)', () => {
  it('final frames get exactly the offline log-mel of the whole signal; output length and delay hold', async () => {
    const x = tone(4);
    const seen: { mel: Float32Array; frames: number }[] = [];
    const conv = new StreamingConverter(stubModel(seen), target, { inputGain: 1, vocoder: plainSourceFilterVocoder(1), dropWhenBehind: false });
    const { blockSamples: B, windowSamples: W, lookaheadFrames: L } = conv.config;
    const stream = await streamThrough(conv, x, B);
    expect(stream.length).toBe(x.length + conv.config.delaySamples);
    expect(stream.every(Number.isFinite)).toBe(true);

    const offline = new LogMelExtractor().compute(x);
    let worst = 0;
    let checked = 0;
    seen.forEach((w, k) => {
      const N = (k + Math.ceil(conv.config.delaySamples / B)) * B + B; // blocks before the first model run emit silence
      const s0 = Math.max(0, N - W);
      if (N > x.length) return; // flush blocks see appended silence
      for (let t = 0; t < w.frames - L; t++) {
        const f = s0 / HOP + t;
        for (let b = 0; b < 80; b++) worst = Math.max(worst, Math.abs(w.mel[b * w.frames + t] - offline.data[b * offline.frames + f]));
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(1000);
    expect(worst).toBeLessThan(1e-4);

    const m = measureDelay(x, stream, 4096);
    expect(Math.abs(m.delaySamples - conv.config.delaySamples)).toBeLessThanOrEqual(HOP);
  });
});
