import { afterEach, describe, expect, it } from 'vitest';
import { defaultAperiodicity } from '../dsp/source-filter.js';
import { HOP } from '../dsp/stft.js';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, sharedEngine } from '../test-support/models.js';
import { DspThread, type SynthJob } from './dsp-thread.js';
import { toModelAudio, toModelAudioOn } from './model-audio.js';
import { convertAudio } from './pipeline.js';
import { loudnessGain } from './loudness.js';
import { f0Blocked } from './pitch.js';
import { vocoderFor } from './vocoder.js';

/** A 1 s synthesis job with a gliding pitch, a voiced/unvoiced pattern and a formant-like log-mel. */
function job(frames = 63): SynthJob {
  const logMel = new Float32Array(80 * frames);
  for (let b = 0; b < 80; b++) for (let t = 0; t < frames; t++) logMel[b * frames + t] = -3 - 0.05 * b + Math.sin(b / 6 + t / 9);
  const pitchHz = Float64Array.from({ length: frames }, (_, t) => 110 + t);
  const voiced = Float32Array.from({ length: frames }, (_, t) => (t % 20 < 15 ? 1 : 0));
  return { logMel, frames, pitchHz, voiced, aperiodicity: defaultAperiodicity(frames), options: { passes: 2, length: (frames - 1) * HOP, phase0: 0.3, startSample: 4096 } };
}

/** 2 s of a vowel-like tone at 150 Hz, silent in the second half. */
function speechLike(): Float32Array {
  return Float32Array.from({ length: 32000 }, (_, i) => (i < 16000 ? 0.3 * Math.sin((2 * Math.PI * 150 * i) / 16000) + 0.1 * Math.sin((2 * Math.PI * 450 * i) / 16000) : 0));
}

const inThread = (j: SynthJob): Float32Array => DspThread.inThread({ kind: 'synthesize', job: j }).value as Float32Array;

describe('the DSP thread', () => {
  let thread: DspThread | null = null;
  afterEach(async () => {
    await thread?.dispose();
    thread = null;
  });

  it('synthesizes on a worker exactly what the calling thread synthesizes, jobs answered in order', async () => {
    thread = new DspThread();
    expect(thread.unavailableReason).toBeNull();
    const j = job();
    const [a, b] = await Promise.all([thread.synthesize(j), thread.synthesize(job(40))]);
    expect(thread.threaded).toBe(true);
    expect(Array.from(a.value)).toEqual(Array.from(inThread(j)));
    expect(b.value.length).toBe(39 * HOP);
    expect(a.ms).toBeGreaterThan(0);
  });

  it('tracks pitch on a worker exactly as f0Blocked does here', async () => {
    thread = new DspThread();
    const x = speechLike();
    const { value } = await thread.pitch(x, 2);
    const here = f0Blocked(x, undefined, 2);
    expect(Array.from(value.logF0)).toEqual(Array.from(here.logF0));
    expect(Array.from(value.voiced)).toEqual(Array.from(here.voiced));
    expect(value.voiced[20]).toBe(1);
    expect(value.voiced[100]).toBe(0);
  });

  it("computes the result's loudness gain on a worker exactly as loudnessGain does here", async () => {
    thread = new DspThread();
    const source = speechLike();
    const quiet = source.map((v) => 0.1 * v);
    const { value } = await thread.loudnessGain(quiet, source);
    expect(value).toBe(loudnessGain(quiet, source));
    expect(value).toBeGreaterThan(5); // 20 dB quieter: brought back (about 10x, within the peak ceiling)
  });

  it("leaves the caller's arrays usable (views are copied, not transferred)", async () => {
    thread = new DspThread();
    const j = job();
    const big = new Float64Array(200);
    big.set(j.pitchHz, 50);
    await thread.synthesize({ ...j, pitchHz: big.subarray(50, 50 + j.frames) });
    expect(j.logMel.length).toBe(80 * j.frames);
    expect(big[50]).toBe(110);
  });

  it('finishes open and later jobs in-thread when the worker is gone', async () => {
    thread = new DspThread();
    const j = job();
    const open = thread.synthesize(j);
    await thread.dispose();
    expect(thread.threaded).toBe(false);
    const [a, b] = await Promise.all([open, thread.synthesize(j)]);
    const here = inThread(j);
    expect(Array.from(a.value)).toEqual(Array.from(here));
    expect(Array.from(b.value)).toEqual(Array.from(here));
  });

  it('resamples stereo 44.1 kHz input to the model rate split across both threads, sample for sample as on one', async () => {
    thread = new DspThread();
    const left = Float32Array.from({ length: 44100 + 37 }, (_, i) => Math.sin(i / 7) * 0.4 + ((i * 7919) % 101) / 500);
    const audio = { sampleRate: 44100, channels: [left, left.map((v) => -0.5 * v)] };
    const split = await toModelAudioOn(audio, thread);
    expect(thread.threaded).toBe(true);
    expect(Array.from(split)).toEqual(Array.from(toModelAudio(audio)));
    expect(Array.from(await toModelAudioOn({ sampleRate: 16000, channels: [left] }, thread))).toEqual(Array.from(left));
  });

  it('rejects a malformed job with the synthesis error and keeps working', async () => {
    thread = new DspThread();
    const j = job();
    await expect(thread.synthesize({ ...j, frames: j.frames + 1 })).rejects.toThrow(/does not match/);
    expect(thread.threaded).toBe(true);
    expect((await thread.synthesize(j)).value.length).toBe(62 * HOP);
  });
});

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)('a conversion with the DSP thread', () => {
  it('gives the same audio, pitch and anomaly errors as one on a single thread (12 s: two chunks)', async () => {
    const engine = await sharedEngine();
    const model = engine.converter;
    const source = toModelAudio(await cathySeconds(12));
    const target = engine.library.list().map((v) => engine.library.require(v.id).target)[0];
    const thread = new DspThread();
    try {
      const run = (t?: DspThread) => convertAudio(model, source, target, { vocoder: vocoderFor('best', model, t), dspThread: t, anomaly: true, similarity: false });
      const threaded = await run(thread);
      const single = await run();
      expect(thread.threaded).toBe(true);
      expect(threaded.chunks).toBe(2);
      expect(Array.from(threaded.audio)).toEqual(Array.from(single.audio));
      expect(Array.from(threaded.sourceF0.logF0)).toEqual(Array.from(single.sourceF0.logF0));
      expect(Array.from(threaded.anomaly!.errors)).toEqual(Array.from(single.anomaly!.errors));
    } finally {
      await thread.dispose();
    }
  }, 120_000);
});
