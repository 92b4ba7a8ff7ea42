// Composes the engine modules into the VoiceApi implementation that every transport serves through
// the handler table. Transports differ only in where exports go (ExportSink) and what they call
// themselves (CallContext.transport). The engine (verified model sessions, voice library) loads
// lazily on the first call that needs it and is shared; conversions run as queued, cancellable jobs
// whose changes (queued, running, progress, end) are pushed to subscribers as VoiceEvents.
import type { ApiImplementation } from './api/handlers.js';
import { ApiError, engineShutDown } from './api/errors.js';
import { EventHub, eventClock } from './api/event-hub.js';
import type { AudioData, ConvertResult, ExportResult, VoiceEvents } from './api/types.js';
import { AudioDecodeError, decodeAudioFile } from './audio/decode.js';
import { Engine } from './engine/engine.js';
import type { ContentVariant } from './model/inference.js';
import type { TargetVoice } from './pipeline/pipeline.js';
import { buildBundleFiles, gateVerdict, modelIdentity, zipBundle } from './engine/bundle.js';
import { encodeClip } from './engine/export.js';
import { JobRegistry } from './engine/jobs.js';
import { PREVIEW_RATE } from './library/voice-library.js';
import path from 'node:path';
import { readVersionInfo } from './version.js';

/** Delivers encoded export bytes: the Electron shell asks for a path, web mode returns the bytes. */
export type ExportSink = (file: { fileName: string; bytes: Uint8Array }) => Promise<ExportResult>;

export interface ServiceOptions {
  /** Directory holding models/, assets/ and package.json. */
  root: string;
  /** Where enrolled voices and settings persist. */
  userDataDir: string;
  /** Where exports go; default returns the bytes to the caller. */
  exportSink?: ExportSink;
  /** Models folder. Default <root>/models. */
  modelsDir?: string;
  /** onnxruntime intraOpNumThreads. Default 1. */
  intraOpNumThreads?: number;
  /** Content path of conversions ('continuous' or 'vq'). Default 'continuous'. */
  contentVariant?: ContentVariant;
  /** Conversions run at the same time (others queue). Default 1. */
  concurrency?: number;
  /** Least time between two progress events of one job, ms (stage changes and ends always go). Default 50. */
  progressEventMs?: number;
  /** Seconds of source per pipeline chunk (the CLI's --chunk). Default: the pipeline's. */
  chunkSeconds?: number;
}

/** The VoiceApi implementation plus its resources. */
export interface VoiceService extends ApiImplementation, VoiceEvents {
  /** The shared engine, loading it on first use (the bench and the engine process's tests use it directly). */
  engine(): Promise<Engine>;
  dispose(): Promise<void>;
}

/** Returns bytes to the caller (web mode: the renderer turns them into a download). */
export const returnBytes: ExportSink = async ({ fileName, bytes }) => ({ fileName, bytes });

/** Maps a decoder failure to the API's BAD_AUDIO error. */
export function decodeFailure(err: unknown, what: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AudioDecodeError) return new ApiError('BAD_AUDIO', `${what} could not be read: ${err.message}`);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new ApiError('NOT_FOUND', `${what} was not found.`);
  return new ApiError('IO_ERROR', `${what} could not be read (${code ?? (err as Error)?.message ?? 'unknown error'}).`);
}

/** Builds the service. */
export function createVoiceService(options: ServiceOptions): VoiceService {
  let loading: Promise<Engine> | null = null;
  let disposed = false;
  const engine = (): Promise<Engine> => {
    if (disposed) return Promise.reject(engineShutDown());
    if (!loading) {
      loading = Engine.load({
        root: options.root,
        userDataDir: options.userDataDir,
        modelsDir: options.modelsDir,
        intraOpNumThreads: options.intraOpNumThreads,
        contentVariant: options.contentVariant,
      });
      // A failed load is retried on the next call (e.g. after the models were restored).
      loading.catch(() => {
        loading = null;
      });
    }
    return loading;
  };
  const jobs = new JobRegistry<ConvertResult>({
    concurrency: options.concurrency ?? 1,
    // Results hold audio: count its bytes so long conversions do not pile up in memory.
    sizeOf: (r) => (r as ConvertResult).audio.channels.reduce((n, ch) => n + ch.byteLength, 0),
  });
  const sink = options.exportSink ?? returnBytes;
  const events = new EventHub();
  const progressEveryMs = options.progressEventMs ?? 50;
  /** Pushes the job's current status (without its result: the renderer fetches that once). */
  const pushJob = (jobId: string): void => {
    if (events.size === 0) return;
    try {
      const { result: _result, ...job } = jobs.status(jobId);
      events.emit({ type: 'job', job, at: eventClock() });
    } catch {
      // evicted already: nothing to tell
    }
  };

  return {
    engine,
    version: async (_args, ctx) => readVersionInfo(options.root, ctx.transport, options.modelsDir),
    listVoices: async () => (await engine()).library.list(),
    previewVoice: async ({ id }) => {
      const eng = await engine();
      const voice = eng.library.require(id);
      if (voice.info.kind === 'enrolled') {
        const samples = await eng.library.readEnrolledPreview(id);
        if (!samples) throw new ApiError('NOT_FOUND', `"${voice.info.name}" has no preview clip.`);
        return { sampleRate: PREVIEW_RATE, channels: [samples] } satisfies AudioData;
      }
      if (!voice.previewPath) throw new ApiError('NOT_FOUND', `"${voice.info.name}" has no preview clip.`);
      try {
        const decoded = await decodeAudioFile(voice.previewPath);
        return { sampleRate: decoded.sampleRate, channels: decoded.channels };
      } catch (err) {
        const e = decodeFailure(err, `The preview of "${voice.info.name}"`);
        throw e.code === 'NOT_FOUND' ? new ApiError('NOT_FOUND', `The preview clip of "${voice.info.name}" is missing. Reinstall the app.`) : e;
      }
    },
    enrollVoice: async ({ name, audio }) => (await engine()).enroll(name, audio),
    renameVoice: async ({ id, name }) => (await engine()).library.rename(id, name),
    deleteVoice: async ({ id }) => {
      await (await engine()).library.delete(id);
      return { deleted: true };
    },
    analyze: async ({ audio }, ctx) => (await engine()).analyze(audio, ctx.signal),
    startConversion: async (req, ctx) => {
      const eng = await engine();
      // A variant this export lacks fails the call (the UI offers it only when version().capabilities lists it).
      if (req.variant === 'vq' && !eng.hasVq) throw new ApiError('MODEL_ERROR', 'This model export has no discrete (VQ) variant; use the continuous one.');
      // Resolve the target now so an unknown voice or an unusable reference fails the call itself, not
      // the job. A one-shot reference is embedded here and used for this job only; nothing is stored.
      let target: TargetVoice;
      let warnings: string[] = [];
      if ('reference' in req.target) {
        const t = await eng.targetFromReference(req.target.reference, ctx.signal);
        ({ warnings } = t);
        target = t;
      } else target = eng.resolveTarget(req.target.mix);
      let lastPush = 0;
      let lastStage = '';
      // The registry may start the work inside start() itself, before jobId is assigned: the
      // microtask below then reports it as running.
      let jobId = '';
      jobId = jobs.start((ctx) => {
        if (jobId) pushJob(jobId); // running
        return eng.convert(req.source, target, {
          pitchSemitones: req.pitchSemitones,
          quality: req.quality,
          variant: req.variant,
          chunkSeconds: options.chunkSeconds,
          signal: ctx.signal,
          onProgress: (p) => {
            ctx.progress(p.stage, p.progress);
            // Throttled: a 60-minute file reports thousands of steps; stage changes always go out.
            const now = performance.now();
            if (p.stage !== lastStage || now - lastPush >= progressEveryMs) {
              lastStage = p.stage;
              lastPush = now;
              if (jobId) pushJob(jobId);
            }
          },
        });
      });
      // Queued or running now; the end (done, failed, cancelled, also a cancel while queued) is pushed when it happens.
      queueMicrotask(() => pushJob(jobId));
      void jobs.wait(jobId).then(() => pushJob(jobId));
      return warnings.length > 0 ? { jobId, warnings } : { jobId };
    },
    getJob: async ({ jobId }) => jobs.status(jobId),
    subscribe: (listener) => events.subscribe(listener),
    cancelJob: async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    exportClip: async (req) => {
      const clip = await encodeClip(req.audio, req);
      return sink(clip);
    },
    exportBundle: async (req, ctx) => {
      const eng = await engine();
      // The quality gate re-checks both clips here, so the verdicts are the engine's, not the caller's.
      const [input, output] = [await eng.analyze(req.source), await eng.analyze(req.result.audio)];
      const modelsDir = options.modelsDir ?? path.join(options.root, 'models');
      const { mix, target, ...settings } = req.settings;
      const kind = target === 'reference' ? 'reference' : mix.length === 1 ? 'voice' : 'blend';
      const files = buildBundleFiles({
        source: req.source,
        ...(req.reference ? { reference: req.reference } : {}),
        result: req.result,
        settings: { ...settings, target: kind, ...(kind === 'reference' ? {} : { mix }) },
        version: readVersionInfo(options.root, ctx.transport, modelsDir),
        modelIdentity: modelIdentity(modelsDir),
        gates: { input: gateVerdict(input), output: gateVerdict(output) },
      });
      return sink({ fileName: `${req.name}.zip`, bytes: zipBundle(files) });
    },
    dispose: async () => {
      disposed = true;
      await jobs.dispose();
      events.dispose();
      const l = loading;
      loading = null;
      if (l) await l.then((e) => e.dispose()).catch(() => {});
    },
  };
}
