// Keeps the engine in its own process and the transport's process light: the web server and
// Electron's main process hold an EngineSupervisor, whose handler table forwards every call over the
// RPC channel. When the engine process dies (a crash, an out-of-memory kill, a native fault) the
// calls in flight and the jobs it was running fail with ENGINE_RESTARTED instead of hanging, later
// questions about those jobs get the same answer instead of a puzzling NOT_FOUND, an 'engine
// restarted' event goes out, and a fresh process starts (with a growing delay if it keeps dying).
import type { CallContext, Envelope, HandlerTable } from '../api/handlers.js';
import { EventHub, eventClock } from '../api/event-hub.js';
import { forwardingTable, RpcClient, type RpcChannel } from '../api/rpc.js';
import { ApiError, engineShutDown } from '../api/errors.js';
import type { ApiErrorInfo, CallName, JobStatus, Unsubscribe, VoiceEvent, VoiceEvents } from '../api/types.js';

/** One running engine process, as a launcher hands it over. */
export interface LaunchedEngine {
  channel: RpcChannel;
  /** Registers the one listener for the process's end (code or signal, for the log). */
  onExit(listener: (how: string) => void): void;
  /** Ends the process at once (SIGKILL or the platform's equivalent). */
  kill(): void;
  /** Operating-system process id, where known. */
  pid?: number;
}

/** Starts engine processes: a Node child in web mode, a utilityProcess in Electron. */
export type EngineLauncher = () => LaunchedEngine;

export interface SupervisorOptions {
  /** First restart delay after a crash, ms; doubles for each crash within a minute, up to 10 s. Default 100. */
  restartDelayMs?: number;
  /** How long a clean shutdown may take before the process is killed, ms. Default 3000. */
  shutdownGraceMs?: number;
  /** Told about every restart (for the log). */
  onRestart?: (how: string) => void;
}

/** What calls and jobs in flight get when the engine process stops under them. */
// Built as ApiErrors and kept in their wire form: they go straight into envelopes and job statuses.
export const ENGINE_RESTARTED: ApiErrorInfo = new ApiError('ENGINE_RESTARTED', 'The engine stopped and was restarted; try again.').toJSON();

const LOST_JOB: ApiErrorInfo = new ApiError(
  'ENGINE_RESTARTED',
  'The engine stopped and was restarted, and this conversion was lost with it; convert again.',
).toJSON();

const SHUT_DOWN: ApiErrorInfo = engineShutDown().toJSON();

const TERMINAL = new Set(['done', 'failed', 'cancelled']);
const MAX_REMEMBERED_JOBS = 256;

/** The engine in its own process, behind a forwarding handler table and an event feed. */
export class EngineSupervisor implements VoiceEvents {
  /** The same shape as createHandlerTable's, served by the engine process. */
  readonly handlers: HandlerTable;
  private readonly hub = new EventHub();
  private current: { engine: LaunchedEngine; client: RpcClient; exited: Promise<void> } | null = null;
  /** Jobs of the current process not yet ended, and every job id it issued (bounded). */
  private readonly activeJobs = new Set<string>();
  private readonly issuedJobs = new Set<string>();
  /** Job ids that died with an earlier process. */
  private readonly lostJobs = new Set<string>();
  /** Jobs whose end event came before their start call's reply (a job that fails at once). */
  private readonly endedEarly = new Set<string>();
  private readonly crashTimes: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private waitingForEngine: (() => void)[] = [];
  private disposed = false;
  private restartCount = 0;

  constructor(private readonly launcher: EngineLauncher, private readonly options: SupervisorOptions = {}) {
    this.handlers = forwardingTable((name, args, ctx) => this.forward(name, args, ctx));
    this.launch();
  }

  /** Events from the engine (job changes) and from the supervisor (restarts). */
  subscribe(listener: (event: VoiceEvent) => void): Unsubscribe {
    return this.hub.subscribe(listener);
  }

  /** How many times the engine process was restarted after stopping. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Calls waiting for the engine's reply. */
  get inFlight(): number {
    return this.current?.client.inFlight ?? 0;
  }

  /** The engine process's id (tests kill it to show recovery). */
  get pid(): number | undefined {
    return this.current?.engine.pid;
  }

  /** Kills the engine process as a crash would (tests, and a stuck engine). */
  kill(): void {
    this.current?.engine.kill();
  }

  /** Resolves once an engine process is up and has said it is ready. */
  async ready(): Promise<void> {
    for (;;) {
      if (this.disposed) throw new Error('The engine supervisor was disposed.');
      const cur = this.current;
      if (cur) {
        await Promise.race([cur.client.ready, cur.exited]);
        if (this.current === cur) return;
      } else {
        await new Promise<void>((r) => this.waitingForEngine.push(r));
      }
    }
  }

  /** Shuts the engine down (clean first, killed after the grace period) and fails what is pending. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const wake of this.waitingForEngine.splice(0)) wake();
    const cur = this.current;
    if (cur) {
      cur.client.shutdown();
      const grace = new Promise<'late'>((r) => setTimeout(() => r('late'), this.options.shutdownGraceMs ?? 3000).unref());
      if ((await Promise.race([cur.exited.then(() => 'exited' as const), grace])) === 'late') cur.engine.kill();
      await cur.exited;
    }
    this.hub.dispose();
  }

  private launch(): void {
    const engine = this.launcher();
    const client = new RpcClient(engine.channel, (event) => this.onEngineEvent(event));
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    this.current = { engine, client, exited };
    engine.onExit((how) => {
      markExited();
      this.onExit(client, how);
    });
    for (const wake of this.waitingForEngine.splice(0)) wake();
  }

  private async forward(name: CallName, args: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    // A job of a process that died: say so, instead of the new engine's NOT_FOUND.
    if ((name === 'getJob' || name === 'cancelJob') && this.lostJobs.has((args as { jobId?: unknown } | null)?.jobId as string)) {
      return { ok: false, error: LOST_JOB };
    }
    try {
      await this.ready();
    } catch {
      return { ok: false, error: SHUT_DOWN };
    }
    const envelope = await this.current!.client.call(name, args, ctx);
    if (name === 'startConversion' && envelope.ok) this.track((envelope.result as { jobId: string }).jobId);
    return envelope;
  }

  private track(jobId: string): void {
    this.issuedJobs.add(jobId);
    // The start call's reply can come after the job's end event (a job that fails at once).
    if (!this.endedEarly.delete(jobId)) this.activeJobs.add(jobId);
    trim(this.issuedJobs);
  }

  private onEngineEvent(event: VoiceEvent): void {
    if (event.type === 'job' && TERMINAL.has(event.job.state)) {
      if (!this.activeJobs.delete(event.job.jobId)) {
        this.endedEarly.add(event.job.jobId);
        trim(this.endedEarly);
      }
    }
    this.hub.emit(event);
  }

  private onExit(client: RpcClient, how: string): void {
    client.failAll(this.disposed ? SHUT_DOWN : ENGINE_RESTARTED);
    client.dispose();
    if (this.current?.client === client) this.current = null;
    if (this.disposed) return;
    const at = eventClock();
    // Every job the dead process was running or holding ends for the renderer now, with the reason.
    for (const jobId of this.activeJobs) {
      const job: Omit<JobStatus, 'result'> = { jobId, state: 'failed', progress: 0, stage: 'failed', error: LOST_JOB };
      this.hub.emit({ type: 'job', job, at });
    }
    for (const jobId of this.issuedJobs) this.lostJobs.add(jobId);
    trim(this.lostJobs);
    this.activeJobs.clear();
    this.issuedJobs.clear();
    this.endedEarly.clear();
    this.hub.emit({ type: 'engine', state: 'restarted', message: ENGINE_RESTARTED.message, at });
    this.restartCount++;
    this.options.onRestart?.(how);
    // Back off when it keeps dying (a broken install must not spin the CPU), but start the first
    // replacement almost at once.
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && now - this.crashTimes[0] > 60_000) this.crashTimes.shift();
    const delay = Math.min(10_000, (this.options.restartDelayMs ?? 100) * 2 ** (this.crashTimes.length - 1));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.disposed) this.launch();
    }, delay);
  }
}

/** Drops the oldest entries of an insertion-ordered set beyond the bound. */
function trim(set: Set<string>): void {
  for (const id of set) {
    if (set.size <= MAX_REMEMBERED_JOBS) break;
    set.delete(id);
  }
}
