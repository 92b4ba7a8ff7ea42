// Live sessions (issue 16, the app half's engine side): a block in answers a converted block out with
// the same sequence number; statistics come periodically and at the end; a flood of blocks (a client
// sending faster than the engine converts) costs counted drops, never a longer queue; closing or
// disposing mid-block releases the converter and sends nothing more. The last test runs the real
// StreamingConverter on real speech through the engine's factory.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { LiveServerMessage } from '../api/types.js';
import { cathySeconds, HAVE_MODELS, NO_MODELS, sharedEngine } from '../test-support/models.js';
import { ComputeHistogram } from '../stream/latency.js';
import { decodeAudioFrame, encodeAudioFrame } from '../api/live-frames.js';
import { engineConverterFactory } from './engine-converter.js';
import { LiveSessionManager, type LiveConverter, type LiveConverterFactory } from './session-manager.js';

const B = 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A stand-in converter: halves the input after `computeMs`, with the real stats shape. */
function fakeConverter(computeMs = 0): LiveConverter & { disposed: boolean; pushes: number } {
  const compute = new ComputeHistogram();
  const conv = {
    disposed: false,
    pushes: 0,
    config: { blockSamples: B, lookaheadSamples: 768, synthesisOverlapSamples: 256, delaySamples: 1024, vocoderKind: 'fake' },
    stats: { dropped: 0, deadlineMisses: 0, processed: 0, computeAllowanceMs: 64, compute },
    async push(x: Float32Array): Promise<Float32Array> {
      if (conv.disposed) throw new Error('The stream is closed.');
      const t0 = performance.now();
      conv.pushes++;
      if (computeMs > 0) await sleep(computeMs);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i] * 0.5;
      conv.stats.processed++;
      compute.add(performance.now() - t0);
      return out;
    },
    dispose() {
      conv.disposed = true;
    },
  };
  return conv;
}

function harness(factory: LiveConverterFactory, options = {}) {
  const got: { session: string; m: LiveServerMessage }[] = [];
  const manager = new LiveSessionManager(factory, (session, m) => got.push({ session, m }), options);
  const of = (type: string) => got.filter((g) => g.m.type === type).map((g) => g.m);
  const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await sleep(2);
    }
  };
  return { manager, got, of, until };
}

const start = { type: 'start', target: { mix: [{ voiceId: 'v1', weight: 1 }] }, pitchSemitones: 0 };
const block = (seq: number, v = 0.2): { type: 'audio'; seq: number; samples: Float32Array } => ({ type: 'audio', seq, samples: new Float32Array(B).fill(v) });

describe('LiveSessionManager', () => {
  it('answers each block with its converted block (same sequence), then statistics; stop sends the final figures', async () => {
    const conv = fakeConverter();
    const { manager, of, until } = harness(async () => conv, { statsEveryMs: 30 });
    manager.handle('a', start);
    await until(() => of('started').length === 1);
    const started = of('started')[0] as Extract<LiveServerMessage, { type: 'started' }>;
    expect(started.config).toMatchObject({ sampleRate: 16000, blockSamples: B, blockMs: 64, lookaheadMs: 48, synthesisOverlapMs: 16, vocoder: 'fake' });
    for (let k = 0; k < 5; k++) {
      manager.handle('a', block(k));
      await until(() => of('audio').length === k + 1);
    }
    const audio = of('audio') as Extract<LiveServerMessage, { type: 'audio' }>[];
    expect(audio.map((a) => a.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(audio[0].samples[10]).toBeCloseTo(0.1);
    await until(() => of('stats').length > 0);
    manager.handle('a', { type: 'stop' });
    await until(() => of('stopped').length === 1);
    const stopped = of('stopped')[0] as Extract<LiveServerMessage, { type: 'stopped' }>;
    expect(stopped).toMatchObject({ received: 5, processed: 5, dropped: 0, queueDrops: 0, queued: 0 });
    expect(stopped.computeP95).toBeGreaterThanOrEqual(0);
    expect(conv.disposed).toBe(true);
    expect(manager.size).toBe(0);
  });

  it('a flood of blocks costs counted drops, never a longer queue (latency cannot grow)', async () => {
    const conv = fakeConverter(15);
    const { manager, of, until } = harness(async () => conv, { maxQueuedBlocks: 2, statsEveryMs: 1000 });
    manager.handle('a', start);
    await until(() => of('started').length === 1);
    let maxQueued = 0;
    for (let k = 0; k < 40; k++) {
      manager.handle('a', block(k));
      maxQueued = Math.max(maxQueued, manager.queued('a'));
    }
    expect(maxQueued).toBeLessThanOrEqual(2);
    await until(() => manager.queued('a') === 0 && conv.pushes === of('audio').length);
    const st = manager.stats('a')!;
    expect(st.received).toBe(40);
    // the block converting + at most 2 waiting survive the burst; the rest were dropped and counted
    expect(st.queueDrops).toBe(40 - conv.pushes);
    expect(conv.pushes).toBeLessThanOrEqual(4);
    const audio = of('audio') as Extract<LiveServerMessage, { type: 'audio' }>[];
    // the newest blocks are the ones kept, and the first one after the drops is marked for a fade-in
    expect(audio[audio.length - 1].seq).toBe(39);
    expect(audio.some((a) => a.afterDrop)).toBe(true);
    manager.dispose();
  });

  it('closing mid-block releases the converter and sends nothing more; dispose ends every session', async () => {
    const conv = fakeConverter(30);
    const conv2 = fakeConverter(0);
    const convs = [conv, conv2];
    const { manager, got, of, until } = harness(async () => convs.shift()!, { statsEveryMs: 10 });
    manager.handle('a', start);
    manager.handle('b', start);
    await until(() => of('started').length === 2);
    manager.handle('a', block(0));
    manager.handle('a', block(1));
    manager.close('a');
    const before = got.filter((g) => g.session === 'a').length;
    await sleep(80);
    expect(got.filter((g) => g.session === 'a').length).toBe(before);
    expect(conv.disposed).toBe(true);
    expect(manager.size).toBe(1);
    manager.dispose();
    expect(conv2.disposed).toBe(true);
    expect(manager.size).toBe(0);
    manager.handle('b', block(2));
    await sleep(20);
    expect(of('audio')).toHaveLength(0);
  });

  it('refuses a bad start, a second start and a malformed block with readable errors; a factory failure is the error', async () => {
    const { manager, of, until } = harness(async (req) => {
      if (req.mix[0].voiceId === 'gone') throw new ApiError('NOT_FOUND', 'There is no voice "gone".');
      return fakeConverter();
    });
    manager.handle('x', { type: 'start', target: { mix: [] } });
    manager.handle('y', { ...start, pitchSemitones: 99 });
    manager.handle('z', { ...start, target: { mix: [{ voiceId: 'gone', weight: 1 }] } });
    await until(() => of('error').length === 3);
    const errs = of('error').map((e) => (e as Extract<LiveServerMessage, { type: 'error' }>).error);
    expect(errs[0]).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(errs[1].message).toMatch(/semitones/);
    expect(errs[2]).toMatchObject({ code: 'NOT_FOUND' });
    manager.handle('a', start);
    await until(() => of('started').length === 1);
    manager.handle('a', start);
    manager.handle('a', { type: 'audio', seq: 0, samples: [1, 2, 3] });
    await until(() => of('error').length === 5);
    expect(manager.size).toBe(0); // the malformed block ended the session
  });

  it('encodes and decodes audio frames (the one codec of both ends)', () => {
    const f = { stream: 1, flags: 1, seq: 123456, sampleRate: 16000, samples: Float32Array.from([0.5, -0.25, 1e-3]) };
    const a = encodeAudioFrame(f);
    expect(a.byteLength).toBe(12 + 12);
    const d = decodeAudioFrame(a)!;
    expect(d).toMatchObject({ stream: 1, flags: 1, seq: 123456, sampleRate: 16000 });
    expect([...d.samples]).toEqual([...f.samples]);
    // a view at an odd offset (a pooled Buffer) is copied, not misread
    const odd = new Uint8Array(a.byteLength + 1);
    odd.set(a, 1);
    expect([...decodeAudioFrame(odd.subarray(1))!.samples]).toEqual([...f.samples]);
    expect(decodeAudioFrame(new Uint8Array(13))).toBeNull();
  });
});

describe.skipIf(!HAVE_MODELS)(`live sessions with the real streaming converter${NO_MODELS}`, () => {
  it('real speech in 64 ms blocks comes back as converted, audible blocks with compute figures', async () => {
    const engine = await sharedEngine();
    const voiceId = engine.library.list()[0].id;
    const { manager, of, until } = harness(engineConverterFactory(async () => engine), { statsEveryMs: 100 });
    manager.handle('r', { type: 'start', target: { mix: [{ voiceId, weight: 1 }] }, pitchSemitones: 0 });
    await until(() => of('started').length + of('error').length > 0, 120_000);
    expect(of('error')).toEqual([]);
    const speech = (await cathySeconds(2)).channels[0];
    const n = Math.floor(speech.length / B);
    for (let k = 0; k < n; k++) {
      manager.handle('r', { type: 'audio', seq: k, samples: speech.slice(k * B, (k + 1) * B) });
      await until(() => of('audio').length === k + 1, 30_000);
    }
    const audio = of('audio') as Extract<LiveServerMessage, { type: 'audio' }>[];
    expect(audio.every((a) => a.samples.length === B)).toBe(true);
    let energy = 0;
    for (const a of audio.slice(4)) for (const x of a.samples) energy += x * x;
    expect(Math.sqrt(energy / ((n - 4) * B))).toBeGreaterThan(0.003);
    manager.handle('r', { type: 'stop' });
    await until(() => of('stopped').length === 1);
    const st = of('stopped')[0] as Extract<LiveServerMessage, { type: 'stopped' }>;
    expect(st.received).toBe(n);
    expect(st.processed + st.dropped).toBeGreaterThanOrEqual(n - 1);
    expect(st.computeP50).toBeGreaterThan(0);
  }, 240_000);
});
