// Contract (issue 15): a one-shot reference recording is a ConvertRequest target. Through the handler
// table with the real models: it converts like the engine's own one-shot path (bit-identical), stores
// nothing, says when the reference is short, and refuses an unusable reference in the call itself.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable, type Envelope, type HandlerTable } from './handlers';
import type { AudioData, JobStatus, VoiceEvent } from './types';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, REPO_ROOT, tempDir } from '../test-support/models';
import { createVoiceService, type VoiceService } from '../service';

const ctx = { transport: 'direct' as const };
const ok = <T>(e: Envelope<T>): T => {
  if (!e.ok) throw new Error(`call failed: ${e.error.code} ${e.error.message}`);
  return e.result;
};

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`one-shot reference target${NO_MODELS}`, () => {
  let service: VoiceService;
  let api: HandlerTable;
  let source: AudioData;
  let reference: AudioData;
  const dataDir = tempDir('vs-ref-');

  beforeAll(async () => {
    service = createVoiceService({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: dataDir });
    api = createHandlerTable(service);
    source = await cathySeconds(2);
    reference = await cathySeconds(4, 3);
  });
  afterAll(async () => {
    await service.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits for the job's pushed end, then fetches it once (as the app and the CLI do). */
  async function finished(jobId: string, events: VoiceEvent[]): Promise<JobStatus> {
    while (!events.some((e) => e.type === 'job' && e.job.jobId === jobId && ['done', 'failed', 'cancelled'].includes(e.job.state))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return ok(await api.getJob({ jobId }, ctx));
  }

  it('converts toward the reference exactly as the engine does, and stores no voice', async () => {
    const voicesBefore = ok(await api.listVoices(undefined, ctx));
    const filesBefore = fs.readdirSync(dataDir, { recursive: true });
    const events: VoiceEvent[] = [];
    const off = service.subscribe((e) => events.push(e));
    const started = ok(await api.startConversion({ source, target: { reference }, quality: 'fast' }, ctx));
    expect(started.warnings).toBeUndefined();
    const status = await finished(started.jobId, events);
    off();
    expect(status.state).toBe('done');
    const got = status.result!;

    const engine = await service.engine();
    const direct = await engine.convert(source, await engine.targetFromReference(reference), { quality: 'fast' });
    expect(got.audio.channels[0].length).toBe(direct.audio.channels[0].length);
    expect(Buffer.from(got.audio.channels[0].buffer).equals(Buffer.from(direct.audio.channels[0].buffer))).toBe(true);
    expect(got.similarity).toEqual(direct.similarity);

    expect(ok(await api.listVoices(undefined, ctx))).toEqual(voicesBefore);
    expect(fs.readdirSync(dataDir, { recursive: true })).toEqual(filesBefore);
  });

  it('answers a short reference with a warning, and refuses a too-short one in the call', async () => {
    const short = { sampleRate: reference.sampleRate, channels: [reference.channels[0].subarray(0, Math.round(1.5 * reference.sampleRate))] };
    const events: VoiceEvent[] = [];
    const off = service.subscribe((e) => events.push(e));
    const started = ok(await api.startConversion({ source, target: { reference: short }, quality: 'fast' }, ctx));
    expect(started.warnings?.[0]).toMatch(/The reference is short \(1\.5 s\)/);
    expect((await finished(started.jobId, events)).state).toBe('done');
    off();

    const tiny = { sampleRate: reference.sampleRate, channels: [reference.channels[0].subarray(0, Math.round(0.3 * reference.sampleRate))] };
    const refused = await api.startConversion({ source, target: { reference: tiny } }, ctx);
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_AUDIO', message: expect.stringMatching(/reference is too short/) } });
  });

  it('a comparison bundle of a one-shot conversion carries the reference and says so', async () => {
    const match = { cosine: 0.5, probability: 0.9, verdict: 'likely' as const, reason: null };
    const result = { audio: source, timings: { total: 1 }, similarity: { toTarget: match, toSource: match }, variant: 'continuous' as const, anomaly: { verdict: 'ok' as const, reasons: [] }, rtf: 0.2 };
    const out = ok(await api.exportBundle({ source, reference, result, settings: { voice: 'ref (one-shot)', target: 'reference', mix: [], pitchSemitones: 0 }, name: 'b' }, ctx));
    const text = Buffer.from(out.bytes!).toString('latin1');
    expect(text).toContain('reference.wav');
    expect(text).toMatch(/"target":\s*"reference"/);
    // Without the reference target, a reference or an empty mix is refused.
    const bad = await api.exportBundle({ source, reference, result, settings: { voice: 'x', mix: [{ voiceId: 'a', weight: 1 }], pitchSemitones: 0 }, name: 'b' }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/reference/) } });
    const empty = await api.exportBundle({ source, result, settings: { voice: 'x', mix: [], pitchSemitones: 0 }, name: 'b' }, ctx);
    expect(empty).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('a reference and a mix together are refused as INVALID_ARGUMENT', async () => {
    const r = await api.startConversion({ source, target: { reference, mix: [{ voiceId: 'x', weight: 1 }] } }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });
});
