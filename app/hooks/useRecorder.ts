// Microphone recording: getUserMedia on the chosen device, raw PCM captured through a
// ScriptProcessorNode (no worklet module needed under the CSP), elapsed time, and a stop() that
// returns AudioData. Everything (tracks, nodes, AudioContext, timers) is released on stop and unmount.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AudioData } from '../../src/api/types';
import { concatChunks } from '../lib/wav';

/** Longest recording, seconds; it stops by itself after this. */
export const MAX_RECORD_SECONDS = 5 * 60;

interface Session {
  stream: MediaStream;
  ctx: AudioContext;
  source: MediaStreamAudioSourceNode;
  processor: ScriptProcessorNode;
  sink: GainNode;
  chunks: Float32Array[];
  startedAt: number;
  timer: number;
}

export type RecorderState = 'idle' | 'starting' | 'recording';

export interface Recorder {
  state: RecorderState;
  elapsed: number;
  ctx: AudioContext | null;
  source: AudioNode | null;
  start: (deviceId?: string) => Promise<void>;
  stop: () => AudioData | null;
}

function teardown(s: Session): void {
  window.clearInterval(s.timer);
  s.processor.onaudioprocess = null;
  try {
    s.source.disconnect();
    s.processor.disconnect();
    s.sink.disconnect();
  } catch {
    // already disconnected
  }
  for (const track of s.stream.getTracks()) track.stop();
  void s.ctx.close().catch(() => {});
}

export function useRecorder(onAutoStop?: (audio: AudioData) => void): Recorder {
  const session = useRef<Session | null>(null);
  const [state, setState] = useState<RecorderState>('idle');
  const [elapsed, setElapsed] = useState(0);
  const [nodes, setNodes] = useState<{ ctx: AudioContext; source: AudioNode } | null>(null);
  const autoStop = useRef(onAutoStop);
  autoStop.current = onAutoStop;
  const mounted = useRef(true);

  const stop = useCallback((): AudioData | null => {
    const s = session.current;
    if (!s) return null;
    session.current = null;
    teardown(s);
    setNodes(null);
    setState('idle');
    const samples = concatChunks(s.chunks);
    if (samples.length === 0) return null;
    return { sampleRate: s.ctx.sampleRate, channels: [samples] };
  }, []);

  const start = useCallback(
    async (deviceId?: string) => {
      if (session.current) return;
      setState('starting');
      setElapsed(0);
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: {
            deviceId: deviceId ? { exact: deviceId } : undefined,
            echoCancellation: false,
            noiseSuppression: false,
            autoGainControl: false,
            channelCount: 1,
          },
        });
      } catch (err) {
        setState('idle');
        throw err;
      }
      // Unmounted while the permission prompt was open: release the microphone at once.
      if (!mounted.current) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      let ctx: AudioContext | null = null;
      let source: MediaStreamAudioSourceNode;
      let processor: ScriptProcessorNode;
      let sink: GainNode;
      try {
        ctx = new AudioContext();
        source = ctx.createMediaStreamSource(stream);
        processor = ctx.createScriptProcessor(4096, 1, 1);
        sink = ctx.createGain();
      } catch (err) {
        // Without this the microphone stayed on (and the state stuck at 'starting') after a failed setup.
        for (const track of stream.getTracks()) track.stop();
        void ctx?.close().catch(() => {});
        setState('idle');
        throw err;
      }
      await ctx.resume().catch(() => {});
      if (!mounted.current) {
        for (const track of stream.getTracks()) track.stop();
        void ctx.close().catch(() => {});
        return;
      }
      sink.gain.value = 0;
      const chunks: Float32Array[] = [];
      processor.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
      source.connect(processor);
      processor.connect(sink);
      sink.connect(ctx.destination);
      const startedAt = performance.now();
      const timer = window.setInterval(() => {
        const seconds = (performance.now() - startedAt) / 1000;
        setElapsed(seconds);
        if (seconds >= MAX_RECORD_SECONDS) {
          const audio = stop();
          if (audio) autoStop.current?.(audio);
        }
      }, 100);
      session.current = { stream, ctx, source, processor, sink, chunks, startedAt, timer };
      setNodes({ ctx, source });
      setState('recording');
    },
    [stop],
  );

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (session.current) teardown(session.current);
      session.current = null;
    };
  }, []);

  return { state, elapsed, ctx: nodes?.ctx ?? null, source: nodes?.source ?? null, start, stop };
}
