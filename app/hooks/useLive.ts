// A live session from the renderer's side: the microphone (chosen device, no browser processing) into
// an AudioContext at the model rate, the live worklet cutting blocks, the live channel carrying them
// to the engine and the converted blocks back to the worklet's playback ring, the monitor gain and the
// output device. It keeps the session's recording (what was said, and what came out, aligned by block
// sequence) and its latency parts:
//   block            the engine's block length (a sample waits for its block to fill);
//   lookahead        model lookahead + analysis/synthesis window overlap (the converted stream's delay);
//   compute          the engine's per-block compute, median (p95 in the title);
//   transport        round trip of a block (sent -> its converted block back) minus the engine's compute;
//   playback buffer  the worklet ring's fill when a block arrives (jitter margin);
//   device buffers   AudioContext base + output latency, plus one render quantum of input.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AudioData, LiveConfigInfo, LiveServerMessage, LiveStats, MixEntry } from '../../src/api/types';
import { LIVE_SAMPLE_RATE } from '../../src/api/types';
import { fromErrorInfo } from '../../src/api/errors';
import { openLiveChannel, type LiveChannel } from '../audio/live-channel';
import workletUrl from '../audio/live-processor.ts?worker&url';

export type LiveState = 'idle' | 'starting' | 'live' | 'stopping';

export interface LatencyParts {
  blockMs: number;
  lookaheadMs: number;
  computeMs: number;
  computeP95Ms: number;
  transportMs: number | null;
  playbackBufferMs: number | null;
  deviceMs: number;
  totalMs: number;
  /**
   * Measured in the audio worklet: from a sample's capture to the playing of its converted sample
   * (block, lookahead, compute, transport and playback buffer as they happened), plus deviceMs.
   */
  measuredMs: number | null;
}

/**
 * How much of a live session is kept for the history: the first 10 minutes (2 x 38 MB of 16 kHz float
 * audio). Streaming goes on past it; only the recording stops growing, so hours of live use keep memory flat.
 */
export const LIVE_RECORDING_MAX_SECONDS = 600;

export interface LiveRecording {
  source: AudioData;
  converted: AudioData;
  stats: LiveStats | null;
  latency: LatencyParts | null;
  /** Blocks the renderer could not send (connection backed up). */
  clientDrops: number;
  /** Whether the session ran past LIVE_RECORDING_MAX_SECONDS (the recording holds its beginning). */
  truncated: boolean;
}

export interface LiveStartOptions {
  mix: MixEntry[];
  pitchSemitones: number;
  inputDeviceId?: string;
  outputDeviceId?: string;
  monitor: boolean;
}

export interface LiveView {
  state: LiveState;
  error: string | null;
  inLevel: number;
  outLevel: number;
  latency: LatencyParts | null;
  stats: LiveStats | null;
  config: LiveConfigInfo | null;
  /** Dropouts seen by the listener: engine drops + queue drops + send drops + client drops + playback underruns. */
  dropouts: number;
  /** The dropouts by cause. */
  dropoutParts: { engine: number; queue: number; send: number; client: number; underruns: number };
  start(options: LiveStartOptions): Promise<void>;
  stop(): Promise<void>;
  setMonitor(on: boolean): void;
  /** Whether the output device can be chosen here (AudioContext.setSinkId). */
  canPickOutput: boolean;
  /** Whether this session has passed LIVE_RECORDING_MAX_SECONDS (the history keeps its beginning). */
  recordingFull: boolean;
}

interface Runtime {
  ctx: AudioContext;
  stream: MediaStream;
  node: AudioWorkletNode | null;
  gain: GainNode | null;
  channel: LiveChannel | null;
  config: LiveConfigInfo | null;
  seq: number;
  lastBack: number;
  sentAt: Map<number, number>;
  rtts: number[];
  /** The recording (at most recordBlocks blocks each). */
  sourceBlocks: Float32Array[];
  converted: Map<number, Float32Array>;
  recordBlocks: number;
  clientDrops: number;
  underruns: number;
  bufferMs: number | null;
  measuredMs: number | null;
  stats: LiveStats | null;
  stopped: ((s: LiveStats | null) => void) | null;
}

/** RMS to a 0..1 meter value on a -60..0 dB scale. */
function meter(rms: number): number {
  if (!(rms > 0)) return 0;
  return Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60));
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

type SinkContext = AudioContext & { setSinkId?: (id: string) => Promise<void>; outputLatency?: number };

export function useLive(onRecorded: (rec: LiveRecording) => void): LiveView {
  const [state, setState] = useState<LiveState>('idle');
  const [error, setError] = useState<string | null>(null);
  const [inLevel, setInLevel] = useState(0);
  const [outLevel, setOutLevel] = useState(0);
  const [latency, setLatency] = useState<LatencyParts | null>(null);
  const [stats, setStats] = useState<LiveStats | null>(null);
  const [config, setConfig] = useState<LiveConfigInfo | null>(null);
  const [recordingFull, setRecordingFull] = useState(false);
  const [dropoutParts, setDropoutParts] = useState({ engine: 0, queue: 0, send: 0, client: 0, underruns: 0 });
  const dropouts = dropoutParts.engine + dropoutParts.queue + dropoutParts.send + dropoutParts.client + dropoutParts.underruns;
  const rt = useRef<Runtime | null>(null);
  const onRecordedRef = useRef(onRecorded);
  onRecordedRef.current = onRecorded;

  const parts = (r: Runtime): LatencyParts | null => {
    if (!r.config) return null;
    const computeMs = r.stats?.computeP50 ?? 0;
    const rtt = median(r.rtts);
    const transportMs = rtt === null ? null : Math.max(0, rtt - computeMs);
    const ctx = r.ctx as SinkContext;
    const deviceMs = 1000 * ((ctx.baseLatency || 0) + (ctx.outputLatency || 0)) + (1000 * 128) / ctx.sampleRate;
    const lookaheadMs = r.config.lookaheadMs + r.config.synthesisOverlapMs;
    const p: LatencyParts = {
      blockMs: r.config.blockMs,
      lookaheadMs,
      computeMs,
      computeP95Ms: r.stats?.computeP95 ?? 0,
      transportMs,
      playbackBufferMs: r.bufferMs,
      deviceMs,
      totalMs: 0,
      measuredMs: r.measuredMs === null ? null : r.measuredMs + deviceMs,
    };
    p.totalMs = p.blockMs + p.lookaheadMs + p.computeMs + (p.transportMs ?? 0) + (p.playbackBufferMs ?? 0) + p.deviceMs;
    return p;
  };

  const refresh = (r: Runtime): void => {
    setLatency(parts(r));
    const s = r.stats;
    setDropoutParts({ engine: s?.dropped ?? 0, queue: s?.queueDrops ?? 0, send: s?.sendDrops ?? 0, client: r.clientDrops, underruns: r.underruns });
    setRecordingFull(r.seq > r.recordBlocks);
  };

  const teardown = (r: Runtime): void => {
    r.channel?.close();
    r.node?.port.close();
    r.node?.disconnect();
    for (const t of r.stream.getTracks()) t.stop();
    void r.ctx.close().catch(() => {});
    if (rt.current === r) rt.current = null;
    setInLevel(0);
    setOutLevel(0);
  };

  const finish = useCallback((r: Runtime, final: LiveStats | null) => {
    const B = r.config?.blockSamples ?? 1024;
    const n = r.sourceBlocks.length;
    const src = new Float32Array(n * B);
    r.sourceBlocks.forEach((b, k) => src.set(b.subarray(0, B), k * B));
    const conv = new Float32Array(n * B);
    for (const [seq, b] of r.converted) if (seq < n) conv.set(b.subarray(0, B), seq * B);
    // The converted stream is `delaySamples` behind its input: line it up with the source.
    const D = r.config?.delaySamples ?? 0;
    const aligned = new Float32Array(n * B);
    aligned.set(conv.subarray(Math.min(D, conv.length)));
    if (n > 0) {
      onRecordedRef.current({
        source: { sampleRate: LIVE_SAMPLE_RATE, channels: [src] },
        converted: { sampleRate: LIVE_SAMPLE_RATE, channels: [aligned] },
        stats: final ?? r.stats,
        latency: parts(r),
        clientDrops: r.clientDrops,
        truncated: r.seq > r.recordBlocks,
      });
    }
  }, []);

  const stop = useCallback(async () => {
    const r = rt.current;
    if (!r) return;
    setState('stopping');
    // Stop capturing first, then ask the engine for its final figures (at most 3 s).
    r.node?.disconnect();
    for (const t of r.stream.getTracks()) t.stop();
    const final = await new Promise<LiveStats | null>((resolve) => {
      r.stopped = resolve;
      r.channel?.control({ type: 'stop' });
      window.setTimeout(() => resolve(null), 3000);
    });
    finish(r, final);
    teardown(r);
    setState('idle');
  }, [finish]);

  const start = useCallback(async (o: LiveStartOptions) => {
    if (rt.current) return;
    setError(null);
    setState('starting');
    setStats(null);
    setLatency(null);
    setDropoutParts({ engine: 0, queue: 0, send: 0, client: 0, underruns: 0 });
    let r: Runtime | null = null;
    try {
      const ctx = new AudioContext({ sampleRate: LIVE_SAMPLE_RATE, latencyHint: 'interactive' });
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          ...(o.inputDeviceId ? { deviceId: { exact: o.inputDeviceId } } : {}),
          channelCount: 1,
          echoCancellation: false,
          noiseSuppression: false,
          autoGainControl: false,
        },
      });
      r = {
        ctx, stream, node: null, gain: null, channel: null, config: null, seq: 0, lastBack: -1, sentAt: new Map(), rtts: [],
        sourceBlocks: [], converted: new Map(), recordBlocks: Infinity, clientDrops: 0, underruns: 0, bufferMs: null, measuredMs: null, stats: null, stopped: null,
      };
      rt.current = r;
      const run = r;
      const sink = ctx as SinkContext;
      if (o.outputDeviceId && sink.setSinkId) await sink.setSinkId(o.outputDeviceId).catch(() => {});
      await ctx.audioWorklet.addModule(workletUrl);
      const started = new Promise<LiveConfigInfo>((resolve, reject) => {
        const onMessage = (m: LiveServerMessage): void => {
          if (rt.current !== run) return;
          switch (m.type) {
            case 'started':
              return resolve(m.config);
            case 'audio': {
              const sent = run.sentAt.get(m.seq);
              if (sent !== undefined) {
                run.rtts.push(performance.now() - sent);
                if (run.rtts.length > 64) run.rtts.shift();
                run.sentAt.delete(m.seq);
              }
              run.lastBack = Math.max(run.lastBack, m.seq);
              if (m.seq < run.recordBlocks) run.converted.set(m.seq, m.samples.slice());
              run.node?.port.postMessage({ type: 'play', samples: m.samples.slice(), afterDrop: !!m.afterDrop, seq: m.seq });
              return;
            }
            case 'stats':
              run.stats = m;
              setStats(m);
              return refresh(run);
            case 'stopped':
              run.stats = m;
              setStats(m);
              return run.stopped?.(m);
            case 'error':
              setError(m.error.message);
              reject(fromErrorInfo(m.error));
              run.stopped?.(null);
          }
        };
        openLiveChannel(onMessage, () => {
          if (rt.current === run && run.config) void stopRef.current();
          reject(new Error('The live channel closed.'));
        }).then((ch) => {
          run.channel = ch;
          ch.control({ type: 'start', target: { mix: o.mix }, pitchSemitones: o.pitchSemitones });
        }, reject);
      });
      const cfg = await started;
      run.config = cfg;
      run.recordBlocks = Math.ceil((LIVE_RECORDING_MAX_SECONDS * LIVE_SAMPLE_RATE) / cfg.blockSamples);
      setConfig(cfg);
      const node = new AudioWorkletNode(ctx, 'live-io', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { blockSamples: cfg.blockSamples, delaySamples: cfg.delaySamples, marginSamples: 256, maxQueuedSamples: 3 * cfg.blockSamples },
      });
      run.node = node;
      node.port.onmessage = (e: MessageEvent) => {
        const m = e.data as { type: string; samples?: Float32Array; inRms?: number; outRms?: number; bufferMs?: number | null; underruns?: number; measuredMs?: number | null };
        if (m.type === 'block' && m.samples) {
          const seq = run.seq++;
          if (seq < run.recordBlocks) run.sourceBlocks.push(m.samples);
          // Credit: never more than a few blocks in flight (the Electron port has no bufferedAmount).
          if (seq - run.lastBack > 6 || !run.channel?.sendAudio(seq, m.samples)) {
            run.clientDrops++;
            return;
          }
          run.sentAt.set(seq, performance.now());
          if (run.sentAt.size > 64) run.sentAt.delete(run.sentAt.keys().next().value!);
        } else if (m.type === 'levels') {
          setInLevel(meter(m.inRms ?? 0));
          setOutLevel(meter(m.outRms ?? 0));
          run.bufferMs = m.bufferMs ?? null;
          run.underruns = m.underruns ?? 0;
          run.measuredMs = m.measuredMs ?? null;
        }
      };
      const gain = ctx.createGain();
      gain.gain.value = o.monitor ? 1 : 0;
      run.gain = gain;
      ctx.createMediaStreamSource(stream).connect(node);
      node.connect(gain).connect(ctx.destination);
      await ctx.resume();
      setState('live');
      refresh(run);
    } catch (err) {
      setError((err as Error).message || 'Live mode could not start.');
      if (r) teardown(r);
      setState('idle');
    }
  }, []);

  const stopRef = useRef(stop);
  stopRef.current = stop;

  useEffect(() => () => {
    const r = rt.current;
    if (r) teardown(r);
  }, []);

  const setMonitor = useCallback((on: boolean) => {
    const g = rt.current?.gain;
    if (g) g.gain.value = on ? 1 : 0;
  }, []);

  const canPickOutput = typeof (AudioContext.prototype as SinkContext).setSinkId === 'function';
  return { state, error, inLevel, outLevel, latency, stats, config, dropouts, dropoutParts, start, stop, setMonitor, canPickOutput, recordingFull };
}
