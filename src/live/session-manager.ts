// Live sessions in the live engine process (issue 16): one StreamingConverter per session, fed by the
// blocks a renderer sends and answering each with its converted block, plus statistics about twice a
// second. The rule of DESIGN §9 holds at every queue: latency never grows.
//   - The converter itself drops a block (crossfaded, counted as `dropped`) when its compute has fallen
//     behind the real-time schedule (its virtual clock; see src/stream/streaming-converter.ts).
//   - Blocks arriving while one converts wait in a queue of at most `maxQueuedBlocks`; a block arriving
//     at a full queue pushes out the oldest (counted as `queueDrops`), and the next converted block
//     carries `afterDrop` so the renderer fades it in. A flood (a client sending faster than real time)
//     therefore costs blocks, never delay.
// The manager knows nothing of transports: `send(session, message)` goes to a WebSocket relay (web mode)
// or a MessagePort (Electron); the converter comes from a factory (the engine's, or a test's).
import { ApiError, toErrorInfo } from '../api/errors.js';
import {
  LIVE_BLOCK_MS,
  LIVE_SAMPLE_RATE,
  PITCH_RANGE_SEMITONES,
  type ApiErrorInfo,
  type LiveConfigInfo,
  type LiveServerMessage,
  type LiveStats,
  type MixEntry,
} from '../api/types.js';
import type { ComputeHistogram } from '../stream/latency.js';
import type { StreamConfig, StreamStats } from '../stream/streaming-converter.js';

/** What a session needs of a converter (StreamingConverter has it). */
export interface LiveConverter {
  readonly config: Pick<StreamConfig, 'blockSamples' | 'lookaheadSamples' | 'synthesisOverlapSamples' | 'delaySamples' | 'vocoderKind'>;
  readonly stats: Pick<StreamStats, 'dropped' | 'deadlineMisses' | 'processed' | 'computeAllowanceMs'> & { compute: Pick<ComputeHistogram, 'percentile' | 'max' | 'count'> };
  push(input: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

/** A validated start request. */
export interface LiveStartRequest {
  mix: MixEntry[];
  pitchSemitones: number;
  /** Block length, ms; absent: the converter's default for the export's graphs. */
  blockMs?: number;
}

/** Builds the converter of a session (may load the engine; fails with an ApiError for an unknown voice). */
export type LiveConverterFactory = (start: LiveStartRequest) => Promise<LiveConverter>;

export interface LiveManagerOptions {
  /** Blocks that may wait behind the one converting. Default 2. */
  maxQueuedBlocks?: number;
  /** Statistics interval, ms. Default 500. */
  statsEveryMs?: number;
  /** Sessions at once (tabs, windows). Default 4. */
  maxSessions?: number;
  /** Longest audio message accepted, samples. Default 16384 (about 1 s). */
  maxBlockSamples?: number;
}

type State = 'starting' | 'running' | 'stopping' | 'ended';

interface Session {
  id: string;
  state: State;
  conv: LiveConverter | null;
  queue: { seq: number; samples: Float32Array }[];
  busy: boolean;
  afterDrop: boolean;
  received: number;
  queueDrops: number;
  sendDrops: number;
  busyMs: number;
  lastStatsAt: number;
  lastStatsBusyMs: number;
  timer: ReturnType<typeof setInterval> | null;
  /** Send the final statistics when the session ends (a stop request, not a lost connection). */
  reportEnd: boolean;
}

/** Reads and checks a start request; throws ApiError INVALID_ARGUMENT with a readable message. */
export function parseStart(msg: Record<string, unknown>): LiveStartRequest {
  const bad = (m: string): never => {
    throw new ApiError('INVALID_ARGUMENT', m);
  };
  const target = msg.target as { mix?: unknown } | undefined;
  const mix = target?.mix;
  if (!Array.isArray(mix) || mix.length === 0 || mix.length > 8) bad('A live session needs a target: a voice or a blend of up to 8 voices.');
  const entries = (mix as unknown[]).map((e) => {
    const { voiceId, weight } = (e ?? {}) as { voiceId?: unknown; weight?: unknown };
    if (typeof voiceId !== 'string' || voiceId.length === 0 || voiceId.length > 200) bad('Each voice of the target needs its id.');
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) bad('Each voice of the target needs a positive weight.');
    return { voiceId: voiceId as string, weight: weight as number };
  });
  const pitch = msg.pitchSemitones ?? 0;
  if (typeof pitch !== 'number' || !Number.isFinite(pitch) || Math.abs(pitch) > PITCH_RANGE_SEMITONES) bad(`The pitch must be a number of semitones within ±${PITCH_RANGE_SEMITONES}.`);
  const blockMs = msg.blockMs;
  if (blockMs !== undefined && (typeof blockMs !== 'number' || !Number.isFinite(blockMs) || blockMs < LIVE_BLOCK_MS.min || blockMs > LIVE_BLOCK_MS.max)) {
    bad(`The block length must be ${LIVE_BLOCK_MS.min}-${LIVE_BLOCK_MS.max} ms.`);
  }
  return { mix: entries, pitchSemitones: pitch as number, ...(blockMs === undefined ? {} : { blockMs: blockMs as number }) };
}

/** The converter's figures as the renderer sees them. */
export function configInfo(conv: LiveConverter): LiveConfigInfo {
  const ms = (s: number): number => (s * 1000) / LIVE_SAMPLE_RATE;
  return {
    sampleRate: LIVE_SAMPLE_RATE,
    blockSamples: conv.config.blockSamples,
    blockMs: ms(conv.config.blockSamples),
    lookaheadMs: ms(conv.config.lookaheadSamples),
    synthesisOverlapMs: ms(conv.config.synthesisOverlapSamples),
    delaySamples: conv.config.delaySamples,
    computeAllowanceMs: conv.stats.computeAllowanceMs,
    vocoder: conv.config.vocoderKind,
  };
}

/** Every live session of one engine process. */
export class LiveSessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly maxQueued: number;
  private readonly statsEveryMs: number;
  private readonly maxSessions: number;
  private readonly maxBlock: number;
  private disposed = false;

  constructor(
    private readonly factory: LiveConverterFactory,
    private readonly send: (session: string, message: LiveServerMessage) => void,
    options: LiveManagerOptions = {},
  ) {
    this.maxQueued = Math.max(0, options.maxQueuedBlocks ?? 2);
    this.statsEveryMs = options.statsEveryMs ?? 500;
    this.maxSessions = options.maxSessions ?? 4;
    this.maxBlock = options.maxBlockSamples ?? 16384;
  }

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /** Blocks waiting in a session's queue (tests). */
  queued(session: string): number {
    return this.sessions.get(session)?.queue.length ?? 0;
  }

  /** Handles one message of a session's connection. Unknown or malformed messages answer an error. */
  handle(session: string, message: unknown): void {
    if (this.disposed) return;
    const msg = (message ?? {}) as Record<string, unknown>;
    const s = this.sessions.get(session);
    switch (msg.type) {
      case 'start':
        return void this.start(session, msg);
      case 'audio': {
        if (!s || s.state !== 'running') return; // before 'started' or after 'stop': not part of the session
        const samples = msg.samples;
        const seq = msg.seq;
        if (!(samples instanceof Float32Array) || samples.length === 0 || samples.length > this.maxBlock || typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) {
          return this.fail(s, { code: 'INVALID_ARGUMENT', message: `A live audio block must be 1-${this.maxBlock} float32 samples with a sequence number.` });
        }
        s.received++;
        if (s.queue.length >= this.maxQueued && s.busy) {
          // Arriving faster than the engine converts: the oldest waiting block goes (never the delay grows).
          if (s.queue.length > 0) s.queue.shift();
          else return void (s.queueDrops++, (s.afterDrop = true));
          s.queueDrops++;
          s.afterDrop = true;
        }
        s.queue.push({ seq, samples });
        return void this.pump(s);
      }
      case 'stop':
        if (!s) return;
        return this.end(s, true);
      default:
        this.send(session, { type: 'error', error: { code: 'INVALID_ARGUMENT', message: 'Unknown live message.' } });
    }
  }

  /** The connection went away: ends its session without a reply. */
  close(session: string): void {
    const s = this.sessions.get(session);
    if (s) this.end(s, false);
  }

  /** Counts a converted block the transport could not send (back-pressure toward the renderer). */
  countSendDrop(session: string): void {
    const s = this.sessions.get(session);
    if (s) s.sendDrops++;
  }

  /** Ends every session. */
  dispose(): void {
    this.disposed = true;
    for (const s of [...this.sessions.values()]) this.end(s, false);
  }

  /** The session's statistics now. */
  stats(session: string): LiveStats | null {
    const s = this.sessions.get(session);
    return s ? this.statsOf(s, performance.now()) : null;
  }

  private async start(id: string, msg: Record<string, unknown>): Promise<void> {
    if (this.sessions.has(id)) {
      this.send(id, { type: 'error', error: { code: 'INVALID_ARGUMENT', message: 'This live session is already running; stop it first.' } });
      return;
    }
    if (this.sessions.size >= this.maxSessions) {
      this.send(id, { type: 'error', error: { code: 'BUSY', message: `At most ${this.maxSessions} live sessions run at once; stop another first.` } });
      return;
    }
    let req: LiveStartRequest;
    try {
      req = parseStart(msg);
    } catch (err) {
      this.send(id, { type: 'error', error: toErrorInfo(err) });
      return;
    }
    const s: Session = {
      id, state: 'starting', conv: null, queue: [], busy: false, afterDrop: false, received: 0, queueDrops: 0, sendDrops: 0,
      busyMs: 0, lastStatsAt: performance.now(), lastStatsBusyMs: 0, timer: null, reportEnd: false,
    };
    this.sessions.set(id, s);
    let conv: LiveConverter;
    try {
      conv = await this.factory(req);
    } catch (err) {
      this.sessions.delete(id);
      if (s.state === 'starting') this.send(id, { type: 'error', error: toErrorInfo(err) });
      return;
    }
    if (s.state !== 'starting' || this.disposed) {
      // stopped (or the connection closed) while the converter was being built
      conv.dispose();
      if (s.reportEnd) this.send(id, { type: 'stopped', ...this.statsOf(s, performance.now()) });
      this.sessions.delete(id);
      return;
    }
    s.conv = conv;
    s.state = 'running';
    s.lastStatsAt = performance.now();
    s.timer = setInterval(() => this.sendStats(s), this.statsEveryMs);
    (s.timer as { unref?: () => void }).unref?.();
    this.send(id, { type: 'started', config: configInfo(conv) });
  }

  private async pump(s: Session): Promise<void> {
    if (s.busy || !s.conv) return;
    s.busy = true;
    try {
      while (s.queue.length > 0 && s.state === 'running') {
        const block = s.queue.shift()!;
        const t0 = performance.now();
        const out = await s.conv.push(block.samples);
        s.busyMs += performance.now() - t0;
        if (s.state !== 'running') break;
        if (out.length > 0) {
          const afterDrop = s.afterDrop;
          s.afterDrop = false;
          this.send(s.id, afterDrop ? { type: 'audio', seq: block.seq, samples: out, afterDrop } : { type: 'audio', seq: block.seq, samples: out });
        }
      }
    } catch (err) {
      s.busy = false;
      return this.fail(s, toErrorInfo(err));
    }
    s.busy = false;
    if (s.state === 'stopping') this.finish(s);
  }

  private sendStats(s: Session): void {
    if (s.state !== 'running') return;
    this.send(s.id, { type: 'stats', ...this.statsOf(s, performance.now()) });
  }

  private statsOf(s: Session, now: number): LiveStats {
    const c = s.conv?.stats;
    const wall = now - s.lastStatsAt;
    const load = wall > 0 ? Math.min(1, (s.busyMs - s.lastStatsBusyMs) / wall) : 0;
    if (wall >= this.statsEveryMs / 2) {
      s.lastStatsAt = now;
      s.lastStatsBusyMs = s.busyMs;
    }
    const r1 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 10) / 10 : 0);
    return {
      received: s.received,
      processed: c?.processed ?? 0,
      dropped: c?.dropped ?? 0,
      queueDrops: s.queueDrops,
      sendDrops: s.sendDrops,
      deadlineMisses: c?.deadlineMisses ?? 0,
      computeP50: r1(c ? c.compute.percentile(50) : NaN),
      computeP95: r1(c ? c.compute.percentile(95) : NaN),
      computeMax: r1(c && c.compute.count > 0 ? c.compute.max : NaN),
      load: Math.round(load * 1000) / 1000,
      queued: s.queue.length,
    };
  }

  /** Stop request or lost connection: finish after the block in flight. */
  private end(s: Session, reply: boolean): void {
    if (s.state === 'ended' || s.state === 'stopping') return;
    s.reportEnd = reply;
    s.queue.length = 0;
    if (s.state === 'starting') {
      s.state = 'stopping'; // start() sees it when the converter is ready
      return;
    }
    s.state = 'stopping';
    if (!s.busy) this.finish(s);
  }

  private finish(s: Session): void {
    if (s.state === 'ended') return;
    if (s.timer) clearInterval(s.timer);
    const stats = this.statsOf(s, performance.now());
    s.state = 'ended';
    s.conv?.dispose();
    this.sessions.delete(s.id);
    if (s.reportEnd) this.send(s.id, { type: 'stopped', ...stats });
  }

  private fail(s: Session, error: ApiErrorInfo): void {
    this.send(s.id, { type: 'error', error });
    s.reportEnd = false;
    s.queue.length = 0;
    if (s.state === 'running' && s.busy) s.state = 'stopping';
    else this.finish(s);
  }
}
