// The VoiceApi implementation through the handler table (what Electron IPC and web mode serve), with
// the real exported models: voices, previews, jobs with progress and cancel, enrollment, export, and
// typed errors for bad input.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable, type Envelope, type HandlerTable } from './api/handlers';
import type { AudioData, JobStatus, VoiceInfo } from './api/types';
import { decodeAudio } from './audio/decode';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, REPO_ROOT, tempDir } from './test-support/models';
import { createVoiceService, type VoiceService } from './service';

const ctx = { transport: 'direct' as const };
const ok = <T>(e: Envelope<T>): T => {
  if (!e.ok) throw new Error(`call failed: ${e.error.code} ${e.error.message}`);
  return e.result;
};

describe('service without models', () => {
  it('answers version() and fails engine calls with a MODEL_ERROR that says what to do', async () => {
    const dir = tempDir();
    const service = createVoiceService({ root: REPO_ROOT, modelsDir: dir, userDataDir: dir });
    const api = createHandlerTable(service);
    expect((await api.version(undefined, ctx)).ok).toBe(true);
    const r = await api.listVoices(undefined, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'MODEL_ERROR', message: expect.stringMatching(/manifest/) } });
    await service.dispose();
  });
});

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`service with the exported models${NO_MODELS}`, () => {
  let service: VoiceService;
  let api: HandlerTable;
  let voices: VoiceInfo[];
  let speech: AudioData;
  const dataDir = tempDir('vs-svc-');

  beforeAll(async () => {
    service = createVoiceService({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: dataDir });
    api = createHandlerTable(service);
    voices = ok(await api.listVoices(undefined, ctx));
    speech = await cathySeconds(3);
  });
  afterAll(async () => {
    await service.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function waitJob(jobId: string): Promise<JobStatus> {
    for (;;) {
      const s = ok(await api.getJob({ jobId }, ctx));
      if (s.state !== 'queued' && s.state !== 'running') return s;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('lists built-in voices with map positions and serves their previews', async () => {
    expect(voices.length).toBeGreaterThanOrEqual(2);
    for (const v of voices) {
      expect(v.kind).toBe('builtin');
      expect(v.map.every((c) => Math.abs(c) <= 1.5)).toBe(true);
    }
    const withPreview = voices.find((v) => v.hasPreview && fs.existsSync(path.join(REPO_ROOT, 'assets', 'voices', `${v.id}.wav`)));
    if (withPreview) {
      const clip = ok(await api.previewVoice({ id: withPreview.id }, ctx));
      expect(clip.channels[0].length).toBeGreaterThan(clip.sampleRate);
    } else console.warn('SKIPPED preview check: assets/voices/<id>.wav not exported yet');
    expect(await api.previewVoice({ id: 'nope' }, ctx)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('runs a conversion job to the end with progress and a result', async () => {
    const { jobId } = ok(await api.startConversion({ source: speech, target: { mix: [{ voiceId: voices[0].id, weight: 1 }] }, quality: 'fast' }, ctx));
    const s = await waitJob(jobId);
    expect(s.state).toBe('done');
    expect(s.progress).toBe(1);
    expect(s.result!.audio.channels[0].length).toBe(speech.channels[0].length);
    expect(s.result!.rtf).toBeGreaterThan(0);
    expect(['ok', 'warn', 'reject']).toContain(s.result!.anomaly.verdict);
    // The meter comes from the verifier: a reading, or no verdict with the reason.
    const m = s.result!.similarity.toTarget;
    expect(m.verdict !== null ? Number.isFinite(m.cosine) : !!m.reason).toBe(true);
    expect(s.result!.variant).toBe('continuous');
  });

  it('takes the content variant per conversion, or refuses the call plainly when the export has no VQ graphs', async () => {
    const caps = ok(await api.version(undefined, ctx)).capabilities;
    const started = await api.startConversion({ source: speech, target: { mix: [{ voiceId: voices[0].id, weight: 1 }] }, quality: 'fast', variant: 'vq' }, ctx);
    if (caps.variants.includes('vq')) {
      const s = await waitJob(ok(started).jobId);
      expect(s.state).toBe('done');
      expect(s.result!.variant).toBe('vq');
    } else {
      expect(started).toMatchObject({ ok: false, error: { code: 'MODEL_ERROR', message: expect.stringMatching(/discrete/) } });
    }
  });

  it('queues concurrent jobs and cancels them', async () => {
    const long = await cathySeconds(8);
    const req = { source: long, target: { mix: [{ voiceId: voices[0].id, weight: 1 }, { voiceId: voices[1].id, weight: 2 }] }, quality: 'fast' };
    const a = ok(await api.startConversion(req, ctx)).jobId;
    const b = ok(await api.startConversion(req, ctx)).jobId;
    expect(ok(await api.getJob({ jobId: b }, ctx)).state).toBe('queued');
    expect(ok(await api.cancelJob({ jobId: b }, ctx))).toEqual({ cancelled: true });
    expect(ok(await api.cancelJob({ jobId: a }, ctx))).toEqual({ cancelled: true });
    const sa = await waitJob(a);
    expect(sa.state).toBe('cancelled');
    expect(sa.error?.code).toBe('CANCELLED');
    expect((await waitJob(b)).state).toBe('cancelled');
    expect(await api.getJob({ jobId: 'job-unknown' }, ctx)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('fails bad requests with typed, readable errors', async () => {
    const bad = await api.startConversion({ source: speech, target: { mix: [{ voiceId: 'nobody', weight: 1 }] } }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/nobody/) } });
    const inv = await api.startConversion({ source: { sampleRate: 16000, channels: [new Float32Array(0)] }, target: { mix: [] } }, ctx);
    expect(inv).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const tiny = await api.startConversion({ source: { sampleRate: 16000, channels: [new Float32Array(100)] }, target: { mix: [{ voiceId: voices[0].id, weight: 1 }] } }, ctx);
    const s = await waitJob(ok(tiny).jobId);
    expect(s).toMatchObject({ state: 'failed', error: { code: 'BAD_AUDIO' } });
    const enrol = await api.enrollVoice({ name: 'Short', audio: { sampleRate: 16000, channels: [speech.channels[0].subarray(0, 16000)] } }, ctx);
    expect(enrol).toMatchObject({ ok: false, error: { code: 'BAD_AUDIO', message: expect.stringMatching(/too short/) } });
    expect(await api.deleteVoice({ id: voices[0].id }, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('enrolls a voice from real speech, previews, renames and deletes it, and the library persists', async () => {
    const ref = await cathySeconds(6, 20);
    const v = ok(await api.enrollVoice({ name: 'Cathy test', audio: ref }, ctx));
    expect(v).toMatchObject({ kind: 'enrolled', name: 'Cathy test', hasPreview: true });
    expect(ok(await api.listVoices(undefined, ctx)).map((x) => x.id)).toContain(v.id);
    expect(ok(await api.previewVoice({ id: v.id }, ctx)).channels[0].length).toBeGreaterThan(16000);
    expect(ok(await api.renameVoice({ id: v.id, name: 'Renamed' }, ctx)).name).toBe('Renamed');
    const reopened = createVoiceService({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: dataDir });
    expect(ok(await createHandlerTable(reopened).listVoices(undefined, ctx)).find((x) => x.id === v.id)?.name).toBe('Renamed');
    await reopened.dispose();
    expect(ok(await api.deleteVoice({ id: v.id }, ctx))).toEqual({ deleted: true });
    expect(ok(await api.listVoices(undefined, ctx)).map((x) => x.id)).not.toContain(v.id);
  });

  it('exports WAV and FLAC at the requested rate and depth', async () => {
    const audio = { sampleRate: 16000, channels: [speech.channels[0]] };
    for (const [format, sampleRate, bitDepth] of [['wav', 48000, 24], ['flac', 44100, 16], ['wav', 22050, 32]] as const) {
      const r = ok(await api.exportClip({ audio, format, sampleRate, bitDepth, name: '../evil/name.wav' }, ctx));
      expect(r.fileName).toBe(`evil_name.${format}`);
      const back = await decodeAudio(r.bytes!);
      expect(back.sampleRate).toBe(sampleRate);
      expect(Math.abs(back.channels[0].length - Math.round((speech.channels[0].length * sampleRate) / 16000))).toBeLessThanOrEqual(2);
    }
  });
});
