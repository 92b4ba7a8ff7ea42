// Runs one conversion as a job: startConversion, then getJob every ~150 ms (one request in flight at
// a time) until done, failed or cancelled; cancel() asks the engine to stop. The poll timer is cleared
// on completion and on unmount.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConvertRequest, ConvertResult, JobStatus, VoiceApi } from '../../src/api/types';
import { codedError } from '../lib/errors';

export const POLL_MS = 150;

export type ConversionPhase = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ConversionView {
  phase: ConversionPhase;
  stage: string;
  progress: number;
  error: unknown;
  start: (req: ConvertRequest) => Promise<ConvertResult | null>;
  cancel: () => void;
}

export function useConversion(api: VoiceApi): ConversionView {
  const [phase, setPhase] = useState<ConversionPhase>('idle');
  const [stage, setStage] = useState('');
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const jobId = useRef<string | null>(null);
  const timer = useRef<number | null>(null);
  const alive = useRef(true);
  const cancelRequested = useRef(false);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
      if (jobId.current) void api.cancelJob({ jobId: jobId.current }).catch(() => {});
    };
  }, [api]);

  const start = useCallback(
    async (req: ConvertRequest): Promise<ConvertResult | null> => {
      if (jobId.current) return null;
      cancelRequested.current = false;
      setPhase('running');
      setStage('Starting');
      setProgress(0);
      setError(null);
      try {
        const { jobId: id } = await api.startConversion(req);
        jobId.current = id;
        if (cancelRequested.current) void api.cancelJob({ jobId: id }).catch(() => {});
        const status = await new Promise<JobStatus>((resolve, reject) => {
          const poll = () => {
            timer.current = null;
            if (!alive.current) return reject(codedError('CANCELLED', 'The window closed.'));
            api.getJob({ jobId: id }).then((s) => {
              if (!alive.current) return;
              setStage(s.stage);
              setProgress(s.progress);
              if (s.state === 'done' || s.state === 'failed' || s.state === 'cancelled') resolve(s);
              else timer.current = window.setTimeout(poll, POLL_MS);
            }, reject);
          };
          poll();
        });
        jobId.current = null;
        if (status.state === 'done' && status.result) {
          setPhase('done');
          setProgress(1);
          return status.result;
        }
        if (status.state === 'cancelled') {
          setPhase('cancelled');
          return null;
        }
        const err = status.error
          ? codedError(status.error.code, status.error.message)
          : codedError('INTERNAL', 'The conversion stopped without a result.');
        setError(err);
        setPhase('failed');
        return null;
      } catch (err) {
        // A failed poll must not orphan a job that still runs (and holds the queue) in the engine.
        const orphan = jobId.current;
        jobId.current = null;
        if (orphan) void api.cancelJob({ jobId: orphan }).catch(() => {});
        if (!alive.current) return null;
        setError(err);
        setPhase('failed');
        return null;
      }
    },
    [api],
  );

  const cancel = useCallback(() => {
    cancelRequested.current = true;
    const id = jobId.current;
    if (id) void api.cancelJob({ jobId: id }).catch(() => {});
  }, [api]);

  return { phase, stage, progress, error, start, cancel };
}
