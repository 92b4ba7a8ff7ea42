// The job registry behind startConversion / getJob / cancelJob. Conversions are CPU-bound, so jobs
// run through a queue (concurrency 1 by default): a second request waits its turn instead of halving
// the speed of both. Each job has an AbortController; cancel stops a queued job at once and a running
// one at its next chunk boundary. Finished jobs (with their results) are kept for a while so the
// renderer can fetch them, then evicted.
import { randomBytes } from 'node:crypto';
import { ApiError, toErrorInfo } from '../api/errors.js';
import type { JobStage, JobState, JobStatus, PipelineStage } from '../api/types.js';

/** What a job's work function gets: an abort signal and a progress reporter. */
export interface JobContext {
  signal: AbortSignal;
  progress(stage: PipelineStage, progress: number): void;
}

/** Options of the registry. */
export interface JobRegistryOptions {
  /** Jobs run at the same time. Default 1. */
  concurrency?: number;
  /** How long a finished job stays fetchable, ms. Default 10 minutes. */
  keepMs?: number;
  /** Most finished jobs kept (oldest evicted first). Default 16. */
  maxFinished?: number;
  /** Most jobs waiting in the queue; more fail with BUSY. Default 32. */
  maxQueued?: number;
  /** Size of a result in bytes (for the retention budget). Default: results count as 0 bytes. */
  sizeOf?: (result: unknown) => number;
  /** Most bytes of finished results kept; the oldest are evicted first. Default 512 MiB. */
  maxRetainedBytes?: number;
}

interface Job<R> {
  id: string;
  state: JobState;
  progress: number;
  stage: JobStage;
  controller: AbortController;
  /** The work; dropped once the job starts or is cancelled, so its closure (the source audio) is freed. */
  run: ((ctx: JobContext) => Promise<R>) | null;
  result?: R;
  error?: ApiError | unknown;
  finishedAt?: number;
  /** Order of finishing (ties of finishedAt happen within a millisecond). */
  finishSeq?: number;
  done: Promise<void>;
  resolveDone: () => void;
}

/** A queue of cancellable jobs with progress. */
export class JobRegistry<R> {
  private readonly jobs = new Map<string, Job<R>>();
  private readonly queue: Job<R>[] = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly keepMs: number;
  private readonly maxFinished: number;
  private readonly maxQueued: number;
  private readonly sizeOf: (result: unknown) => number;
  private readonly maxRetainedBytes: number;
  private disposed = false;
  private finished = 0;

  constructor(options: JobRegistryOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.keepMs = options.keepMs ?? 10 * 60_000;
    this.maxFinished = options.maxFinished ?? 16;
    this.maxQueued = options.maxQueued ?? 32;
    this.sizeOf = options.sizeOf ?? (() => 0);
    this.maxRetainedBytes = options.maxRetainedBytes ?? 512 * 1024 * 1024;
  }

  /**
   * Queues `run` and returns its job id at once.
   * @throws ApiError BUSY when the queue is full
   */
  start(run: (ctx: JobContext) => Promise<R>): string {
    if (this.disposed) throw new ApiError('BUSY', 'The engine is shutting down.');
    this.evict();
    if (this.queue.length >= this.maxQueued) throw new ApiError('BUSY', 'Too many conversions are waiting. Wait for some to finish, or cancel them.');
    const id = `job-${randomBytes(8).toString('hex')}`;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const job: Job<R> = { id, state: 'queued', progress: 0, stage: 'queued', controller: new AbortController(), run, done, resolveDone };
    this.jobs.set(id, job);
    this.queue.push(job);
    this.pump();
    return id;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.state !== 'queued') continue;
      this.running++;
      void this.execute(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async execute(job: Job<R>): Promise<void> {
    this.evict();
    job.state = 'running';
    job.stage = 'starting';
    const ctx: JobContext = {
      signal: job.controller.signal,
      progress: (stage, progress) => {
        job.stage = stage;
        job.progress = Math.max(job.progress, Math.min(1, progress));
      },
    };
    try {
      const run = job.run!;
      job.run = null;
      const result = await run(ctx);
      // A cancel that arrived after the last check still wins: cancelJob already told the caller so.
      if (job.controller.signal.aborted) throw new ApiError('CANCELLED', 'The conversion was cancelled.');
      job.result = result;
      job.state = 'done';
      job.progress = 1;
      job.stage = 'done';
    } catch (err) {
      const cancelled = job.controller.signal.aborted || (err instanceof ApiError && err.code === 'CANCELLED');
      job.state = cancelled ? 'cancelled' : 'failed';
      job.stage = job.state;
      job.error = cancelled ? new ApiError('CANCELLED', 'The conversion was cancelled.') : err;
    } finally {
      job.finishedAt = Date.now();
      job.finishSeq = ++this.finished;
      job.resolveDone();
      this.evict();
    }
  }

  private evict(): void {
    const now = Date.now();
    const finished = [...this.jobs.values()].filter((j) => j.finishedAt !== undefined);
    finished.sort((a, b) => b.finishSeq! - a.finishSeq!); // newest first
    let bytes = 0;
    finished.forEach((j, i) => {
      bytes += j.result === undefined ? 0 : this.sizeOf(j.result);
      const keep = now - j.finishedAt! <= this.keepMs && i < this.maxFinished && (i === 0 || bytes <= this.maxRetainedBytes);
      if (!keep) this.jobs.delete(j.id);
    });
  }

  /**
   * Status of job `id`.
   * @throws ApiError NOT_FOUND for unknown or evicted jobs
   */
  status(id: string): Omit<JobStatus, 'result'> & { result?: R } {
    this.evict();
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('NOT_FOUND', 'That conversion is not known (it may have finished long ago). Convert again.');
    const out: Omit<JobStatus, 'result'> & { result?: R } = { jobId: id, state: job.state, progress: Math.round(job.progress * 1000) / 1000, stage: job.stage };
    if (job.state === 'done') out.result = job.result;
    if (job.state === 'failed' || job.state === 'cancelled') out.error = toErrorInfo(job.error);
    return out;
  }

  /**
   * Cancels job `id`: a queued job is cancelled at once, a running one at its next chunk.
   * @returns whether the job was still queued or running
   * @throws ApiError NOT_FOUND for unknown jobs
   */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('NOT_FOUND', 'That conversion is not known (it may have finished long ago).');
    if (job.state === 'queued') {
      // Leave the queue now, so a cancelled job no longer counts toward maxQueued.
      this.queue.splice(this.queue.indexOf(job), 1);
      job.run = null;
      job.controller.abort();
      job.state = 'cancelled';
      job.stage = 'cancelled';
      job.error = new ApiError('CANCELLED', 'The conversion was cancelled.');
      job.finishedAt = Date.now();
      job.finishSeq = ++this.finished;
      job.resolveDone();
      return true;
    }
    if (job.state === 'running') {
      job.controller.abort();
      return true;
    }
    return false;
  }

  /** Resolves when job `id` has finished (any state); resolves at once for unknown ids. */
  async wait(id: string): Promise<void> {
    await this.jobs.get(id)?.done;
  }

  /** Cancels everything and waits for running jobs to stop. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.jobs.values()];
    for (const j of all) if (j.state === 'queued' || j.state === 'running') this.cancel(j.id);
    await Promise.all(all.map((j) => j.done));
  }
}
