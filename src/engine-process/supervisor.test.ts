// The engine in its own process (issue 15), against the real models: a conversion through the
// process boundary is bit-identical to the same request served in-process; job changes are pushed
// (queued or running, progress, done) in order; and when the engine process is killed mid-work, the
// call in flight and the running job fail with ENGINE_RESTARTED (never hang), a question about the
// lost job says so too, an 'engine restarted' event goes out, and the next call runs on a new process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable, type CallContext, type Envelope, type HandlerTable } from '../api/handlers.js';
import type { AudioData, ConvertRequest, ConvertResult, JobStatus, VoiceEvent, VoiceEvents } from '../api/types.js';
import { cathyClip, cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, REPO_ROOT, tempDir } from '../test-support/models.js';
import { createVoiceService, type VoiceService } from '../service.js';
import { nodeEngineLauncher } from './node-launcher.js';
import { EngineSupervisor } from './supervisor.js';

const ctx: CallContext = { transport: 'direct' };

function ok<T>(e: Envelope<T>): T {
  if (!e.ok) throw new Error(`${e.error.code}: ${e.error.message}`);
  return e.result;
}

/** Starts a conversion and resolves with its final status, following pushed events only. */
async function convertByEvents(handlers: HandlerTable, events: VoiceEvents, req: ConvertRequest): Promise<{ status: JobStatus; seen: VoiceEvent[] }> {
  const seen: VoiceEvent[] = [];
  let id: string | null = null;
  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const unsubscribe = events.subscribe((e) => {
    seen.push(e);
    if (e.type === 'job' && e.job.jobId === id && ['done', 'failed', 'cancelled'].includes(e.job.state)) resolveEnd();
  });
  id = ok(await handlers.startConversion(req, ctx)).jobId;
  // An end pushed before the reply was read is in `seen` already.
  if (seen.some((e) => e.type === 'job' && e.job.jobId === id && ['done', 'failed', 'cancelled'].includes(e.job.state))) resolveEnd();
  await ended;
  unsubscribe();
  return { status: ok(await handlers.getJob({ jobId: id }, ctx)), seen: seen.filter((e) => e.type !== 'job' || e.job.jobId === id) };
}

function sameBits(a: AudioData, b: AudioData): boolean {
  return a.sampleRate === b.sampleRate && a.channels.length === b.channels.length &&
    a.channels.every((ch, i) => Buffer.compare(Buffer.from(ch.buffer, ch.byteOffset, ch.byteLength), Buffer.from(b.channels[i].buffer, b.channels[i].byteOffset, b.channels[i].byteLength)) === 0);
}

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`the engine in its own process${NO_MODELS}`, () => {
  let supervisor: EngineSupervisor;
  let local: VoiceService;
  let req: ConvertRequest;

  beforeAll(async () => {
    supervisor = new EngineSupervisor(nodeEngineLauncher({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: tempDir('vs-proc-') }));
    local = createVoiceService({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: tempDir('vs-local-') });
    const voices = ok(await supervisor.handlers.listVoices(undefined, ctx));
    expect(voices.length).toBeGreaterThan(1);
    // Built-in ids change with retraining: take them from the list. A blend and a pitch offset
    // exercise more of the pipeline than a single voice.
    req = {
      source: await cathyClip(3),
      target: { mix: [{ voiceId: voices[0].id, weight: 0.7 }, { voiceId: voices[voices.length - 1].id, weight: 0.3 }] },
      pitchSemitones: 2,
    };
  });

  afterAll(async () => {
    await supervisor?.dispose();
    await local?.dispose();
  });

  it('runs in another process than the caller', () => {
    expect(supervisor.pid).toBeGreaterThan(0);
    expect(supervisor.pid).not.toBe(process.pid);
  });

  it('converts bit-identically to the same request served in-process (before the move)', async () => {
    // 25 s: three 10 s chunks, so the overlap-add between chunks is compared too.
    const longer = { ...req, source: await cathySeconds(25, 3) };
    const remote = await convertByEvents(supervisor.handlers, supervisor, longer);
    const inProcess = await convertByEvents(createHandlerTable(local), local, longer);
    expect(remote.status.state).toBe('done');
    expect(inProcess.status.state).toBe('done');
    const a = remote.status.result as ConvertResult;
    const b = inProcess.status.result as ConvertResult;
    expect(a.audio.channels[0].length).toBeGreaterThan(16000);
    expect(sameBits(a.audio, b.audio)).toBe(true);
    console.log(`bit-identical across the process boundary: ${a.audio.channels[0].length} samples`);
    expect(a.similarity).toEqual(b.similarity);
    expect(a.anomaly).toEqual(b.anomaly);
    // Generous timeouts here and below: a loaded 2-core machine converts slowly.
  }, 240_000);

  it('pushes the job from queued/running through progress to done, in order, with no result in events', async () => {
    const { status, seen } = await convertByEvents(supervisor.handlers, supervisor, req);
    expect(status.state).toBe('done');
    const jobs = seen.filter((e): e is Extract<VoiceEvent, { type: 'job' }> => e.type === 'job');
    expect(jobs.length).toBeGreaterThan(3);
    expect(['queued', 'running']).toContain(jobs[0].job.state);
    expect(jobs.at(-1)!.job.state).toBe('done');
    expect(jobs.at(-1)!.job.progress).toBe(1);
    const progress = jobs.map((e) => e.job.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    for (const e of jobs) expect(e.job).not.toHaveProperty('result');
    const stamps = jobs.map((e) => e.at);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]);
  }, 120_000);

  it('a killed engine: the call in flight and the running job fail with ENGINE_RESTARTED, then a new engine serves', async () => {
    const firstPid = supervisor.pid;
    const seen: VoiceEvent[] = [];
    const unsubscribe = supervisor.subscribe((e) => seen.push(e));
    const long = await cathySeconds(60);
    const { jobId } = ok(await supervisor.handlers.startConversion({ ...req, source: long }, ctx));
    // Wait until the job runs, then put a call in flight and kill the engine under both.
    const deadline = Date.now() + 30_000;
    while (!seen.some((e) => e.type === 'job' && e.job.jobId === jobId && e.job.state === 'running' && e.job.progress > 0)) {
      if (Date.now() > deadline) throw new Error('the job did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const inFlight = supervisor.handlers.analyze({ audio: long }, ctx);
    while (supervisor.inFlight === 0) await new Promise((r) => setTimeout(r, 1));
    const killedAt = performance.now();
    supervisor.kill();
    const answer = await inFlight;
    const answeredMs = performance.now() - killedAt;
    expect(answer).toMatchObject({ ok: false, error: { code: 'ENGINE_RESTARTED', message: 'The engine stopped and was restarted; try again.' } });
    expect(answeredMs).toBeLessThan(2000);
    console.log(`engine killed: the call in flight was answered ENGINE_RESTARTED after ${answeredMs.toFixed(1)} ms`);
    const failed = seen.find((e) => e.type === 'job' && e.job.jobId === jobId && e.job.state === 'failed');
    expect(failed).toMatchObject({ job: { error: { code: 'ENGINE_RESTARTED' } } });
    expect(seen.some((e) => e.type === 'engine' && e.state === 'restarted')).toBe(true);
    // The lost job is reported as lost, not as an unknown id.
    expect(await supervisor.handlers.getJob({ jobId }, ctx)).toMatchObject({ ok: false, error: { code: 'ENGINE_RESTARTED' } });
    // The next call runs on a new process, and conversions work again.
    const voices = ok(await supervisor.handlers.listVoices(undefined, ctx));
    expect(voices.length).toBeGreaterThan(1);
    expect(supervisor.pid).not.toBe(firstPid);
    expect(supervisor.restarts).toBe(1);
    const again = await convertByEvents(supervisor.handlers, supervisor, req);
    expect(again.status.state).toBe('done');
    unsubscribe();
  }, 240_000);
});
