// Concurrency through the API handler table (issue 5): several conversions (different sources,
// rates, targets, blends, pitch) and analyses fired at once complete or queue, and give results
// bit-identical to the same requests run one at a time (the engine is deterministic: seeded
// Griffin-Lim phase, single-threaded onnxruntime sessions). Jobs queue up to the configured
// concurrency, a full queue answers BUSY, a cancelled job does not disturb the others, and concurrent
// enrollments neither lose writes nor admit a duplicate name.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable, type Envelope, type HandlerTable } from '../api/handlers.js';
import type { AnalysisReport, AudioData, ConvertRequest, JobStatus, VoiceInfo } from '../api/types.js';
import { resample } from '../audio/resample.js';
import { createVoiceService, type VoiceService } from '../service.js';
import { JobRegistry } from './jobs.js';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, REPO_ROOT, tempDir } from '../test-support/models.js';

const ctx = { transport: 'direct' as const };
const ok = <T>(e: Envelope<T>): T => {
  if (!e.ok) throw new Error(`${e.error.code}: ${e.error.message}`);
  return e.result;
};

describe('the job queue', () => {
  it('cancelled queued jobs free their places at once (regression: they counted toward maxQueued until the running job ended)', async () => {
    const reg = new JobRegistry<number>({ maxQueued: 4 });
    let release!: () => void;
    const first = reg.start(() => new Promise<number>((r) => (release = () => r(1))));
    await new Promise((r) => setImmediate(r));
    const queued = [1, 2, 3, 4].map(() => reg.start(async () => 2));
    expect(() => reg.start(async () => 3)).toThrow(/Too many conversions/);
    for (const id of queued) expect(reg.cancel(id)).toBe(true);
    const next = reg.start(async () => 3);
    expect(reg.status(next).state).toBe('queued');
    release();
    await reg.wait(first);
    await reg.wait(next);
    expect(reg.status(next)).toMatchObject({ state: 'done', result: 3 });
    for (const id of queued) expect(reg.status(id).state).toBe('cancelled');
  });

  it('a finished or cancelled job no longer holds its input (regression: the closure kept the source audio alive while the job was kept)', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const reg = new JobRegistry<number>();
    const refs: WeakRef<Float32Array>[] = [];
    const work = (delay: number) => {
      const source = new Float32Array(4_000_000); // 16 MB, like 4 minutes of 16 kHz audio
      refs.push(new WeakRef(source));
      return async () => {
        await new Promise((r) => setTimeout(r, delay));
        return source.length;
      };
    };
    const done = reg.start(work(5));
    const queued = reg.start(work(0));
    reg.cancel(queued);
    await reg.wait(done);
    await new Promise((r) => setTimeout(r, 10));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
    expect(reg.status(done)).toMatchObject({ state: 'done', result: 4_000_000 });
    expect(reg.status(queued).state).toBe('cancelled');
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
  });

  it('runs at most `concurrency` jobs at once under a burst of 50, each exactly once', async () => {
    const reg = new JobRegistry<number>({ concurrency: 3, maxQueued: 64, maxFinished: 64 });
    let running = 0;
    let peak = 0;
    const runs = new Map<number, number>();
    const ids = Array.from({ length: 50 }, (_, k) =>
      reg.start(async () => {
        running++;
        peak = Math.max(peak, running);
        runs.set(k, (runs.get(k) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1 + (k % 4)));
        running--;
        return k;
      }),
    );
    for (const id of ids) await reg.wait(id);
    expect(peak).toBe(3);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(50);
    ids.forEach((id, k) => expect(reg.status(id)).toMatchObject({ state: 'done', result: k }));
  });
});

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`concurrent calls through the API${NO_MODELS}`, () => {
  const dirs: string[] = [];
  const services: VoiceService[] = [];
  let voices: VoiceInfo[];
  let requests: ConvertRequest[];
  let clips: AudioData[];

  function open(concurrency: number): HandlerTable {
    const dir = tempDir('vs-conc-');
    dirs.push(dir);
    const s = createVoiceService({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: dir, concurrency });
    services.push(s);
    return createHandlerTable(s);
  }

  beforeAll(async () => {
    const lib = open(1);
    voices = ok(await lib.listVoices(undefined, ctx));
    const a = await cathySeconds(4, 0);
    const b = await cathySeconds(6, 10);
    const c = await cathySeconds(3, 20);
    // The same speech as a user's 44.1 kHz stereo file.
    const up = resample(c.channels[0], 16000, 44100);
    const stereo: AudioData = { sampleRate: 44100, channels: [up, up.map((x) => 0.8 * x)] };
    clips = [a, b, stereo];
    const v = (i: number) => voices[i % voices.length].id;
    requests = [
      { source: a, target: { mix: [{ voiceId: v(0), weight: 1 }] } },
      { source: b, target: { mix: [{ voiceId: v(1), weight: 1 }] }, pitchSemitones: -3 },
      { source: stereo, target: { mix: [{ voiceId: v(2), weight: 2 }, { voiceId: v(3), weight: 1 }] } },
      { source: a, target: { mix: [{ voiceId: v(3), weight: 1 }] }, quality: 'fast' },
      { source: b, target: { mix: [{ voiceId: v(0), weight: 1 }] }, pitchSemitones: 5 },
      { source: stereo, target: { mix: [{ voiceId: v(1), weight: 1 }] } },
    ];
  });

  afterAll(async () => {
    for (const s of services) await s.dispose();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Polls every job to its end, recording how many ran at the same time. */
  async function finish(api: HandlerTable, ids: string[]): Promise<{ statuses: JobStatus[]; maxRunning: number; sawQueued: boolean }> {
    let maxRunning = 0;
    let sawQueued = false;
    for (;;) {
      const statuses = await Promise.all(ids.map(async (jobId) => ok(await api.getJob({ jobId }, ctx))));
      const running = statuses.filter((s) => s.state === 'running').length;
      maxRunning = Math.max(maxRunning, running);
      sawQueued ||= statuses.some((s) => s.state === 'queued');
      if (statuses.every((s) => s.state !== 'queued' && s.state !== 'running')) return { statuses, maxRunning, sawQueued };
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  function expectSame(a: JobStatus, b: JobStatus, label: string): void {
    expect(a.state, label).toBe('done');
    expect(b.state, label).toBe('done');
    const x = a.result!.audio.channels[0];
    const y = b.result!.audio.channels[0];
    expect(y.length, label).toBe(x.length);
    let diff = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
    expect(diff, `${label}: ${diff} samples differ`).toBe(0);
    expect(b.result!.similarity, label).toEqual(a.result!.similarity);
    expect(b.result!.anomaly, label).toEqual(a.result!.anomaly);
  }

  it('conversions and analyses fired at once give the same results as one at a time', async () => {
    const serialApi = open(1);
    const serial: JobStatus[] = [];
    for (const req of requests) {
      const { jobId } = ok(await serialApi.startConversion(req, ctx));
      serial.push((await finish(serialApi, [jobId])).statuses[0]);
    }
    const serialReports: AnalysisReport[] = [];
    for (const audio of clips) serialReports.push(ok(await serialApi.analyze({ audio }, ctx)));

    for (const concurrency of [1, 3]) {
      const api = open(concurrency);
      // Everything at once: the conversions' start calls and the analyses in one burst.
      const [ids, reports] = await Promise.all([
        Promise.all(requests.map(async (req) => ok(await api.startConversion(req, ctx)).jobId)),
        Promise.all(clips.map(async (audio) => ok(await api.analyze({ audio }, ctx)))),
      ]);
      const { statuses, maxRunning, sawQueued } = await finish(api, ids);
      console.log(`[concurrency] ${requests.length} conversions + ${clips.length} analyses at once, concurrency ${concurrency}: at most ${maxRunning} running, queued seen: ${sawQueued}`);
      expect(maxRunning).toBeLessThanOrEqual(concurrency);
      expect(sawQueued).toBe(true);
      statuses.forEach((s, i) => expectSame(serial[i], s, `concurrency ${concurrency}, request ${i}`));
      expect(reports).toEqual(serialReports);
    }
  });

  it('a full queue answers BUSY; cancelling a queued job leaves the others intact', async () => {
    const api = open(1);
    const ids: string[] = [];
    let busy: Envelope<{ jobId: string }> | null = null;
    for (let i = 0; i < 40 && !busy; i++) {
      const env = await api.startConversion(requests[i % 2], ctx);
      if (env.ok) ids.push(env.result.jobId);
      else busy = env;
    }
    expect(busy).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/wait|cancel/i) } });
    expect(ids.length).toBeGreaterThanOrEqual(32);
    // Keep the first and the third, cancel everything else (queued: at once).
    const keep = new Set([ids[0], ids[2]]);
    for (const id of ids) {
      if (keep.has(id)) continue;
      expect(ok(await api.cancelJob({ jobId: id }, ctx)).cancelled).toBe(true);
      // A queued job is cancelled at once (finished jobs beyond the newest 16 are evicted later).
      const s = ok(await api.getJob({ jobId: id }, ctx));
      expect(s.state).toBe('cancelled');
      expect(s.result).toBeUndefined();
      expect(s.error?.code).toBe('CANCELLED');
    }
    const { statuses } = await finish(api, [...keep]);
    const byId = new Map(statuses.map((s) => [s.jobId, s]));
    for (const id of keep) expect(byId.get(id)!.state).toBe('done');
    // The survivors equal a fresh serial run of the same requests.
    const ref = open(1);
    // ids[0] and ids[2] were both requests[0] (the burst alternated requests 0 and 1).
    for (const [k, id] of [ids[0], ids[2]].entries()) {
      const { jobId } = ok(await ref.startConversion(requests[0], ctx));
      expectSame((await finish(ref, [jobId])).statuses[0], byId.get(id)!, `survivor ${k}`);
    }
    // And the service takes new work.
    const { jobId } = ok(await api.startConversion(requests[1], ctx));
    expect((await finish(api, [jobId])).statuses[0].state).toBe('done');
  });

  it('concurrent enrollments lose no write and admit no duplicate name', async () => {
    const api = open(2);
    const speech = await cathySeconds(8, 30);
    const names = ['Alpha', 'Beta', 'Gamma', 'Delta'];
    const results = await Promise.all([
      ...names.map((name) => api.enrollVoice({ name, audio: speech }, ctx)),
      api.enrollVoice({ name: 'alpha', audio: speech }, ctx), // same name, other case
    ]);
    const okNames = results.filter((r) => r.ok).map((r) => (r as { result: VoiceInfo }).result.name);
    const refused = results.filter((r) => !r.ok);
    expect(okNames.sort()).toEqual(['Alpha', 'Beta', 'Delta', 'Gamma']);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    // Renames and deletes racing each other: the file on disk matches the final list.
    const enrolled = ok(await api.listVoices(undefined, ctx)).filter((v) => v.kind === 'enrolled');
    await Promise.all([
      api.renameVoice({ id: enrolled[0].id, name: 'Alpha 2' }, ctx),
      api.deleteVoice({ id: enrolled[1].id }, ctx),
      api.renameVoice({ id: enrolled[2].id, name: 'Gamma 2' }, ctx),
      api.deleteVoice({ id: enrolled[1].id }, ctx),
    ]);
    const final = ok(await api.listVoices(undefined, ctx)).filter((v) => v.kind === 'enrolled');
    expect(final).toHaveLength(3);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dirs[dirs.length - 1], 'voices.json'), 'utf8')) as { voices: { id: string; name: string }[] };
    expect(onDisk.voices.map((v) => [v.id, v.name]).sort()).toEqual(final.map((v) => [v.id, v.name]).sort());
  });
});
