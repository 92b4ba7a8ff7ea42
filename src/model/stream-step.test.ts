// The live pair's step graphs on onnxruntime (models/train/vc_train/stream_step.py): fed a clip a few frames at a
// time, with the newest frames passed as provisional, their final outputs equal the whole-clip conversion; the
// provisional frames never enter the state.
import { beforeAll, describe, expect, it } from 'vitest';
import { LogMelExtractor } from '../dsp/mel.js';
import type { Engine } from '../engine/engine.js';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, NO_MODELS, sharedEngine } from '../test-support/models.js';
import { shiftInState, type VoiceModel } from './inference.js';

/** Frames [a, b) of a band-major [channels][frames] array. */
function frameSlice(x: Float32Array, frames: number, a: number, b: number): Float32Array {
  const ch = x.length / frames;
  const out = new Float32Array(ch * (b - a));
  for (let c = 0; c < ch; c++) out.set(x.subarray(c * frames + a, c * frames + b), c * (b - a));
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`streaming step graphs${NO_MODELS}`, () => {
  let engine: Engine;
  let pair: VoiceModel;
  beforeAll(async () => {
    engine = await sharedEngine();
    pair = engine.converter.streaming()!.model;
  });

  it('the export ships the live pair as step graphs', () => {
    expect(pair.stepGraphs).toBe(true);
    expect(engine.converter.stepGraphs).toBe(false);
  });

  it('block by block with provisional frames, the final frames equal the whole-clip encoder and decoder', async () => {
    const audio = (await cathySeconds(1.5)).channels[0];
    const m = new LogMelExtractor().compute(audio);
    const T = m.frames;
    const whole = await pair.rawContent(m.data, T);
    const C = whole.length / T;
    const emb = await engine.converter.embed(m.data, T);
    const f0 = new Float32Array(2 * T);
    for (let t = 0; t < T; t++) {
      f0[t] = 0.3 * Math.sin(t / 9);
      f0[T + t] = t % 7 < 5 ? 1 : 0;
    }
    const wholeMel = await pair.decode(whole, emb, f0, T);

    const state = pair.newStepState();
    const content: Float32Array[] = [];
    const mel: Float32Array[] = [];
    const block = 2;
    const provisional = 2;
    for (let start = 0; start < T; start += block) {
      const commit = Math.min(block, T - start);
      const end = Math.min(T, start + commit + provisional);
      const enc = await pair.contentStep(frameSlice(m.data, T, start, end), end - start, state, commit, start);
      // the decoder gets the whole clip's content for the frames of this call (its final ones equal it, as
      // checked below): only the decoder's own state is under test there
      const zc = frameSlice(whole, T, enc.start, enc.start + enc.frames);
      const fc = frameSlice(f0, T, enc.start, enc.start + enc.frames);
      const dec = await pair.decodeStep(zc, emb, fc, enc.frames, state, enc.final, enc.start);
      content.push(frameSlice(enc.data, enc.frames, 0, enc.final));
      mel.push(frameSlice(dec.data, dec.frames, 0, dec.final));
    }
    const join = (parts: Float32Array[], ch: number): { data: Float32Array; frames: number } => {
      const frames = parts.reduce((n, p) => n + p.length / ch, 0);
      const data = new Float32Array(ch * frames);
      let o = 0;
      for (const p of parts) {
        const n = p.length / ch;
        for (let c = 0; c < ch; c++) data.set(p.subarray(c * n, (c + 1) * n), c * frames + o);
        o += n;
      }
      return { data, frames };
    };
    const sc = join(content, C);
    const sm = join(mel, 80);
    // the final outputs run from frame 0, lagging the input by the lookahead (2 frames for content, 3 for mel)
    expect(sc.frames).toBe(T - 2);
    expect(sm.frames).toBe(T - 3);
    expect(maxDiff(sc.data, frameSlice(whole, T, 0, sc.frames))).toBeLessThan(1e-3);
    expect(maxDiff(sm.data, frameSlice(wholeMel, T, 0, sm.frames))).toBeLessThan(1e-3);
  }, 60_000);

  it('provisional frames change only the provisional outputs, never the state', async () => {
    const a = new Float32Array(80 * 6).map((_, i) => -5 + Math.sin(i / 3));
    const b = a.slice();
    for (let band = 0; band < 80; band++) for (let t = 4; t < 6; t++) b[band * 6 + t] += 2;
    const sa = pair.newStepState();
    const sb = pair.newStepState();
    const ya = await pair.contentStep(a, 6, sa, 4, 10);
    const yb = await pair.contentStep(b, 6, sb, 4, 10);
    expect(maxDiff(sa.encoder, sb.encoder)).toBe(0);
    expect(ya.final).toBe(4);
    expect(maxDiff(frameSlice(ya.data, ya.frames, 0, 4), frameSlice(yb.data, yb.frames, 0, 4))).toBe(0);
    expect(maxDiff(frameSlice(ya.data, ya.frames, 4, ya.frames), frameSlice(yb.data, yb.frames, 4, yb.frames))).toBeGreaterThan(1e-3);
  });
});

describe('shiftInState', () => {
  it('shifts each channel left by the new frames and appends them (what the step graphs return)', () => {
    // 2 channels x 4 frames; 2 new frames per channel
    const state = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    shiftInState(state, Float32Array.of(9, 10, 11, 12), 2, 4, 2);
    expect(Array.from(state)).toEqual([3, 4, 9, 10, 7, 8, 11, 12]);
  });

  it('takes a whole new state when as many frames as it holds are committed, and keeps it when none are', () => {
    const state = Float32Array.of(1, 2, 3, 4);
    shiftInState(state, Float32Array.of(5, 6), 2, 2, 0);
    expect(Array.from(state)).toEqual([1, 2, 3, 4]);
    shiftInState(state, Float32Array.of(5, 6, 7, 8), 2, 2, 2);
    expect(Array.from(state)).toEqual([5, 6, 7, 8]);
  });
});
