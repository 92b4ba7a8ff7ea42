// Runs one conversion as a job: startConversion, then follows the job through the events the engine
// pushes (app/bridge.ts: WebSocket in web mode, IPC in Electron); nothing polls. getJob is called
// only to resync (once after the start, and when the event channel reopens or drops, since events
// sent while it was down are gone) and once at the end to fetch the result, which events do not carry.
// cancel() asks the engine to stop; unmounting cancels the job and ends the subscription.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConvertRequest, ConvertResult, JobStatus, VoiceApi, VoiceEvent, VoiceEvents } from '../../src/api/types';
import { events as bridgeEvents } from '../bridge';
import { ApiError, fromErrorInfo } from '../../src/api/errors';

export type ConversionPhase = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ConversionView {
  phase: ConversionPhase;
  stage: string;
  progress: number;
  error: unknown;
  /** Cautions the engine gave when the conversion started (e.g. a short one-shot reference). */
  warnings: string[];
  start: (req: ConvertRequest) => Promise<ConvertResult | null>;
  cancel: () => void;
}

type Status = Omit<JobStatus, 'result'> & { result?: ConvertResult };
const TERMINAL = new Set(['done', 'failed', 'cancelled']);

/**
 * The conversion state of one panel.
 * @param api the VoiceApi of this renderer
 * @param events its pushed events (default: the bridge's)
 */
export function useConversion(api: VoiceApi, events: VoiceEvents = bridgeEvents): ConversionView {
  const [phase, setPhase] = useState<ConversionPhase>('idle');
  const [stage, setStage] = useState('');
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const jobId = useRef<string | null>(null);
  const running = useRef(false);
  const alive = useRef(true);
  const cancelRequested = useRef(false);
  const stopFollowing = useRef<(() => void) | null>(null);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      stopFollowing.current?.();
      if (jobId.current) void api.cancelJob({ jobId: jobId.current }).catch(() => {});
    };
  }, [api]);

  const start = useCallback(
    async (req: ConvertRequest): Promise<ConvertResult | null> => {
      if (running.current) return null;
      running.current = true;
      cancelRequested.current = false;
      setPhase('running');
      setStage('Starting');
      setProgress(0);
      setError(null);
      setWarnings([]);
      let id: string | null = null;
      // Job events that arrive before startConversion answers (the push can beat the reply).
      const early: Status[] = [];
      let channelOpen = false;
      let resolveEnd!: (s: Status) => void;
      let rejectEnd!: (err: unknown) => void;
      const ended = new Promise<Status>((resolve, reject) => {
        resolveEnd = resolve;
        rejectEnd = reject;
      });
      const onStatus = (s: Status): void => {
        if (!alive.current) return rejectEnd(new ApiError('CANCELLED', 'The window closed.'));
        setStage(s.stage);
        setProgress((p) => Math.max(p, s.progress));
        if (TERMINAL.has(s.state)) resolveEnd(s);
      };
      const resync = (): void => {
        if (id) api.getJob({ jobId: id }).then((s) => onStatus(s), rejectEnd);
      };
      const unsubscribe = events.subscribe((e: VoiceEvent) => {
        if (e.type === 'job') {
          if (id === null) early.push(e.job);
          else if (e.job.jobId === id) onStatus(e.job);
        } else if (e.type === 'channel') {
          channelOpen = e.state === 'open';
          // Reopened: catch up on what was pushed meanwhile. Dropped: one call tells whether the
          // engine is still reachable (an unreachable one fails the conversion instead of hanging).
          resync();
        }
      });
      stopFollowing.current = () => {
        unsubscribe();
        rejectEnd(new ApiError('CANCELLED', 'The window closed.'));
      };
      try {
        const started = await api.startConversion(req);
        id = started.jobId;
        jobId.current = id;
        if (started.warnings?.length) setWarnings(started.warnings);
        if (cancelRequested.current) void api.cancelJob({ jobId: id }).catch(() => {});
        for (const s of early) if (s.jobId === id) onStatus(s);
        // Events pushed before the channel was open are not replayed: one getJob covers them.
        if (channelOpen) resync();
        const status = await ended;
        jobId.current = null;
        if (status.state === 'done') {
          // Events carry no audio: fetch the result once.
          const result = status.result ?? (await api.getJob({ jobId: id })).result;
          if (!result) throw new ApiError('INTERNAL', 'The conversion finished but its result is gone. Convert again.');
          if (!alive.current) return null;
          setPhase('done');
          setProgress(1);
          return result;
        }
        if (status.state === 'cancelled') {
          setPhase('cancelled');
          return null;
        }
        const err = status.error ? fromErrorInfo(status.error) : new ApiError('INTERNAL', 'The conversion stopped without a result.');
        setError(err);
        setPhase('failed');
        return null;
      } catch (err) {
        // A failed call must not orphan a job that still runs (and holds the queue) in the engine.
        const orphan = jobId.current;
        jobId.current = null;
        if (orphan) void api.cancelJob({ jobId: orphan }).catch(() => {});
        if (!alive.current) return null;
        setError(err);
        setPhase('failed');
        return null;
      } finally {
        unsubscribe();
        stopFollowing.current = null;
        running.current = false;
      }
    },
    [api, events],
  );

  const cancel = useCallback(() => {
    cancelRequested.current = true;
    const id = jobId.current;
    if (id) void api.cancelJob({ jobId: id }).catch(() => {});
  }, [api]);

  return { phase, stage, progress, error, warnings, start, cancel };
}
