// Runs the conversion's DSP on a worker thread (dsp-worker.ts), so a conversion uses both cores:
// onnxruntime-node runs graphs synchronously on the JavaScript thread, and while the source's pitch is
// tracked or a chunk is synthesized here, that thread runs the models. Where no worker can start (an entry
// file missing from a package, a runtime without worker_threads) or a worker dies, the work runs in-thread:
// slower, never different. `dispose()` ends the worker.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resampleRange, type ResampleOptions } from '../audio/resample.js';
import type { F0Track } from '../dsp/f0.js';
import { sourceFilter, type SourceFilterOptions } from '../dsp/source-filter.js';
import { sourceFilterRange } from '../dsp/source-filter-range.js';
import { loudnessGain } from './loudness.js';
import { f0Blocked } from './pitch.js';

/** One synthesis: the arguments of `sourceFilter`. */
export interface SynthJob {
  logMel: Float32Array;
  frames: number;
  pitchHz: Float64Array;
  voiced: Float32Array;
  aperiodicity: Float32Array;
  options: SourceFilterOptions;
  /** Only output samples [from, to) (sourceFilterRange: the rest of the chunk is synthesized elsewhere). */
  range?: { from: number; to: number };
}

/** Output samples [from, to) of a resampling (resampleRange). */
export interface ResampleJob {
  audio: Float32Array;
  fromRate: number;
  toRate: number;
  options: ResampleOptions;
  from: number;
  to: number;
}

/** A request as posted to the worker. */
export type DspRequest =
  | { id: number; kind: 'synthesize'; job: SynthJob }
  | { id: number; kind: 'pitch'; audio: Float32Array; gain: number }
  | { id: number; kind: 'resample'; job: ResampleJob }
  | { id: number; kind: 'loudness'; output: Float32Array; source: Float32Array };

/** The worker's answer, with its compute milliseconds. */
export type DspReply =
  | { id: number; kind: 'synthesize'; audio: Float32Array; ms: number }
  | { id: number; kind: 'pitch'; track: F0Track; ms: number }
  | { id: number; kind: 'resample'; audio: Float32Array; ms: number }
  | { id: number; kind: 'loudness'; gain: number; ms: number }
  | { id: number; kind: 'error'; error: string; ms: number };

/** A result and the milliseconds it took to compute (not counting the wait for the thread). */
export interface Timed<T> {
  value: T;
  ms: number;
}

/**
 * How to start the worker: `dsp-worker.cjs` beside a CommonJS bundle (dist-electron/), or the source next
 * to this file, loaded through tsx's API from a bootstrap (a worker does not take `--import tsx`).
 */
function workerSpec(): { code: string; eval: boolean } | null {
  if (typeof __dirname !== 'undefined') {
    const file = path.join(__dirname, 'dsp-worker.cjs');
    if (fs.existsSync(file)) return { code: file, eval: false };
  }
  const meta = import.meta as { url?: string; resolve?: (s: string) => string };
  if (meta.url && meta.resolve) {
    const file = path.join(path.dirname(fileURLToPath(meta.url)), 'dsp-worker.ts');
    if (!fs.existsSync(file)) return null;
    const api = meta.resolve('tsx/esm/api');
    return { code: `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(pathToFileURL(file).href)}, ${JSON.stringify(meta.url)}));`, eval: true };
  }
  return null;
}

/** Copies a view into an array of its own (posting a subarray would clone its whole buffer). */
function own<T extends Float32Array | Float64Array>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

/** A job of any kind, without its id. */
export type Job =
  | { kind: 'synthesize'; job: SynthJob }
  | { kind: 'pitch'; audio: Float32Array; gain: number }
  | { kind: 'resample'; job: ResampleJob }
  | { kind: 'loudness'; output: Float32Array; source: Float32Array };

/** A worker thread for the conversion's DSP: one job at a time, in order. */
export class DspThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Timed<unknown>) => void; reject: (e: Error) => void; job: Job }>();
  /** Why work runs in-thread (null while the worker is in use). */
  unavailableReason: string | null = null;

  /** Starts the worker (in-thread work when it cannot start). */
  constructor() {
    let spec: ReturnType<typeof workerSpec> = null;
    try {
      spec = workerSpec();
    } catch {
      spec = null;
    }
    if (!spec) {
      this.unavailableReason = 'the DSP worker entry is missing';
      return;
    }
    try {
      const w = new Worker(spec.code, { eval: spec.eval });
      w.unref(); // an idle worker never keeps the process alive
      w.on('message', (r: DspReply) => this.settle(r));
      w.on('error', (e) => this.fail(`the DSP worker failed (${e.message})`));
      w.on('exit', (code) => this.fail(`the DSP worker exited (code ${code})`));
      this.worker = w;
    } catch (e) {
      this.unavailableReason = `the DSP worker could not start (${(e as Error).message})`;
    }
  }

  /** Whether jobs run on the worker. */
  get threaded(): boolean {
    return this.worker !== null;
  }

  /** The source-filter synthesis of `job` (src/dsp/source-filter.ts). */
  synthesize(job: SynthJob): Promise<Timed<Float32Array>> {
    return this.post({ kind: 'synthesize', job }) as Promise<Timed<Float32Array>>;
  }

  /** The pitch track of 16 kHz mono `audio` scaled by `gain` (f0Blocked). */
  pitch(audio: Float32Array, gain: number): Promise<Timed<F0Track>> {
    return this.post({ kind: 'pitch', audio, gain }) as Promise<Timed<F0Track>>;
  }

  /** Output samples [from, to) of resampling `job.audio` (resampleRange). */
  resample(job: ResampleJob): Promise<Timed<Float32Array>> {
    return this.post({ kind: 'resample', job }) as Promise<Timed<Float32Array>>;
  }

  /** The gain that matches `output`'s loudness to `source`'s (loudnessGain; the caller applies it). */
  loudnessGain(output: Float32Array, source: Float32Array): Promise<Timed<number>> {
    return this.post({ kind: 'loudness', output, source }) as Promise<Timed<number>>;
  }

  /** The same work on the calling thread. */
  static inThread(job: Job): Timed<unknown> {
    const t0 = performance.now();
    return { value: DspThread.compute(job), ms: performance.now() - t0 };
  }

  /** What a job computes, wherever it runs (dsp-worker.ts calls this too). */
  static compute(job: Job): Float32Array | F0Track | number {
    if (job.kind === 'synthesize') {
      const j = job.job;
      if (j.range) return sourceFilterRange(j.logMel, j.frames, j.pitchHz, j.voiced, j.aperiodicity, j.options, j.range.from, j.range.to);
      return sourceFilter(j.logMel, j.frames, j.pitchHz, j.voiced, j.aperiodicity, j.options);
    }
    if (job.kind === 'pitch') return f0Blocked(job.audio, undefined, job.gain);
    if (job.kind === 'loudness') return loudnessGain(job.output, job.source);
    const r = job.job;
    return resampleRange(r.audio, r.fromRate, r.toRate, r.options, r.from, r.to);
  }

  private post(job: Job): Promise<Timed<unknown>> {
    if (!this.worker) {
      try {
        return Promise.resolve(DspThread.inThread(job));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    const id = this.nextId++;
    let request: DspRequest;
    if (job.kind === 'synthesize') {
      const j = job.job;
      const options = j.options.detail ? { ...j.options, detail: own(j.options.detail) } : j.options;
      request = { id, kind: 'synthesize', job: { ...j, options, logMel: own(j.logMel), pitchHz: own(j.pitchHz), voiced: own(j.voiced), aperiodicity: own(j.aperiodicity) } };
    } else if (job.kind === 'pitch') {
      request = { id, kind: 'pitch', audio: own(job.audio), gain: job.gain };
    } else if (job.kind === 'loudness') {
      request = { id, kind: 'loudness', output: own(job.output), source: own(job.source) };
    } else {
      request = { id, kind: 'resample', job: { ...job.job, audio: own(job.job.audio) } };
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, job });
      this.worker!.postMessage(request);
    });
  }

  private settle(r: DspReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.kind === 'error') p.reject(new Error(r.error));
    else p.resolve({ value: r.kind === 'pitch' ? r.track : r.kind === 'loudness' ? r.gain : r.audio, ms: r.ms });
  }

  /** The worker is gone: its open jobs run in-thread, later ones too. */
  private fail(reason: string): void {
    if (!this.worker) return;
    this.worker = null;
    this.unavailableReason = reason;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      try {
        p.resolve(DspThread.inThread(p.job));
      } catch (e) {
        p.reject(e as Error);
      }
    }
  }

  /** Ends the worker; later jobs run in-thread. */
  async dispose(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.fail('the DSP worker was disposed');
    await w.terminate();
  }
}
