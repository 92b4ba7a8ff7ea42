// A scripted stand-in for the engine behind the web-mode API, installed with page.route. It speaks
// the real wire format (src/api/wire.ts) so the renderer cannot tell; specs use it for states the
// real engine reaches only by chance: slow stages to cancel, failures, a busy engine.
import type { Page, Route } from '@playwright/test';
import type { AnalysisReport, AudioData, ConvertRequest, JobStatus, VoiceInfo } from '../src/api/types';
import { decodeMessage, encodeMessage } from '../src/api/wire';
import { encodeWav } from '../app/lib/wav';

export interface MockOptions {
  /** getJob polls per stage before the job moves on. */
  pollsPerStage?: number;
  /** How many of the first jobs are slow (40 polls per stage). */
  slowJobs?: number;
  /** Make every conversion fail with this error. */
  failWith?: { code: string; message: string };
}

const STAGES = ['resample', 'features', 'content_encoder', 'decoder', 'vocoder'];

function tone(seconds: number, hz: number, rate = 16000): AudioData {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / rate);
  return { sampleRate: rate, channels: [x] };
}

export async function installMockEngine(page: Page, options: MockOptions = {}): Promise<void> {
  const pollsPerStage = options.pollsPerStage ?? 2;
  const voices: VoiceInfo[] = [
    { id: 'builtin:slt', name: 'Sally', kind: 'builtin', licence: 'BSD', gender: 'female', map: [0.6, 0.4], meanF0Hz: 190, hasPreview: true },
    { id: 'builtin:awb', name: 'Angus', kind: 'builtin', licence: 'BSD', gender: 'male', map: [-0.5, 0.3], meanF0Hz: 110, hasPreview: true },
    { id: 'builtin:kal', name: 'Kal', kind: 'builtin', licence: 'BSD', gender: 'male', map: [-0.2, -0.6], meanF0Hz: 120, hasPreview: true },
  ];
  const jobs = new Map<string, { polls: number; req: ConvertRequest; cancelled: boolean; slow: boolean }>();
  let enrolled = 0;

  const handlers: Record<string, (args: any) => unknown> = {
    listVoices: () => voices,
    previewVoice: () => tone(0.5, 220),
    enrollVoice: ({ name }: { name: string }) => {
      const v: VoiceInfo = { id: `user:${++enrolled}`, name, kind: 'enrolled', licence: 'user', gender: 'unknown', map: [0.1, -0.1], hasPreview: false, createdAt: new Date().toISOString() };
      voices.push(v);
      return v;
    },
    renameVoice: ({ id, name }: { id: string; name: string }) => {
      const v = voices.find((x) => x.id === id)!;
      v.name = name;
      return v;
    },
    deleteVoice: ({ id }: { id: string }) => {
      voices.splice(voices.findIndex((x) => x.id === id), 1);
      return { deleted: true };
    },
    analyze: ({ audio }: { audio: AudioData }): AnalysisReport => {
      const dur = audio.channels[0].length / audio.sampleRate;
      const hop = 0.016;
      const scores = Array.from({ length: Math.floor(dur / hop) }, (_, i) => 0.4 + 0.3 * Math.sin(i / 15) + (i * hop > dur * 0.6 && i * hop < dur * 0.7 ? 1 : 0));
      return {
        durationSec: dur, sampleRate: audio.sampleRate, channels: audio.channels.length, peakDb: -3.1, rmsDb: -21, loudnessLufs: -20.5,
        clippingRatio: 0, snrDb: 31, silenceRatio: 0.12,
        anomaly: { hopSec: hop, scores, threshold: 1, meanScore: 0.5 },
        flagged: [{ start: dur * 0.6, end: dur * 0.7, reason: 'Unusual sound (noise or non-speech)' }],
        verdict: 'warn', reasons: ['A short stretch sounds unlike speech (flagged in red).'],
      };
    },
    startConversion: (req: ConvertRequest) => {
      const jobId = `job-${jobs.size + 1}`;
      jobs.set(jobId, { polls: 0, req, cancelled: false, slow: jobs.size < (options.slowJobs ?? 0) });
      return { jobId };
    },
    getJob: ({ jobId }: { jobId: string }): JobStatus => {
      const job = jobs.get(jobId)!;
      job.polls++;
      const i = Math.floor(job.polls / (job.slow ? 40 : pollsPerStage));
      if (job.cancelled) return { jobId, state: 'cancelled', progress: 0, stage: 'cancelled' };
      if (i < STAGES.length) return { jobId, state: 'running', progress: i / STAGES.length, stage: STAGES[i] };
      if (options.failWith) return { jobId, state: 'failed', progress: 1, stage: 'failed', error: options.failWith as JobStatus['error'] };
      const src = job.req.source;
      const out = new Float32Array(src.channels[0].length);
      for (let n = 0; n < out.length; n++) out[n] = 0.8 * src.channels[0][n];
      return {
        jobId, state: 'done', progress: 1, stage: 'done',
        result: {
          audio: { sampleRate: src.sampleRate, channels: [out] },
          timings: { resample: 12, features: 40, content_encoder: 120, decoder: 150, vocoder: 600 },
          similarity: { toTarget: 0.81, toSource: 0.32 }, anomaly: { verdict: 'ok', reasons: [] }, rtf: 0.21,
        },
      };
    },
    cancelJob: ({ jobId }: { jobId: string }) => {
      const job = jobs.get(jobId);
      if (job) job.cancelled = true;
      return { cancelled: !!job };
    },
    exportClip: ({ audio, name, format }: { audio: AudioData; name: string; format: string }) => ({
      fileName: `${name}.${format}`,
      bytes: encodeWav(audio, 'pcm16'),
    }),
  };

  await page.route('**/api/*', async (route: Route) => {
    const call = new URL(route.request().url()).pathname.split('/').pop()!;
    const handler = handlers[call];
    if (!handler) return route.fallback();
    const body = route.request().postDataBuffer();
    const args = body && body.byteLength > 0 ? decodeMessage(new Uint8Array(body)) : undefined;
    let envelope: unknown;
    try {
      envelope = { ok: true, result: handler(args) };
    } catch (err) {
      envelope = { ok: false, error: { code: 'INTERNAL', message: (err as Error).message } };
    }
    await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from(encodeMessage(envelope)) });
  });
}
