// `vc stream <input> --voice V --out F [--realtime] [--block-ms N]` (issue 16, item 3): a file through the
// live-mode StreamingConverter in real-time-sized blocks, as a microphone would deliver it. --realtime
// paces the blocks at 1x (block k is handed over when it would have finished recording), so compute that
// falls behind shows up as deadline misses and drops exactly as in live mode; without it the file runs
// as fast as possible (the converter still counts a block whose compute exceeded its duration as a miss,
// and drops to keep its simulated real-time schedule). The result is the converted audio, aligned with the
// input (the stream delay removed), and a JSON-able report with the latency parts (the stream delay
// MEASURED on this file by envelope cross-correlation), per-block compute, misses, drops and RTF.
import type { Engine } from '../engine/engine.js';
import { MODEL_RATE } from '../pipeline/frames.js';
import type { TargetVoice } from '../pipeline/pipeline.js';
import type { VocoderQuality } from '../api/types.js';
import { computeFigures, latencyReport, measureDelay, type ComputeFigures, type LatencyReport } from './latency.js';
import { StreamingConverter, type StreamConfig, type StreamOptions } from './streaming-converter.js';

/** Options of `streamFile`. */
export interface StreamFileOptions extends StreamOptions {
  /** Pace blocks at 1x. Default false (as fast as possible). */
  realtime?: boolean;
  /** Called after every block (for progress or a live meter). */
  onBlock?: (done: number, total: number) => void;
}

/** The JSON-able figures of one streamed file. */
export interface StreamReport {
  seconds: number;
  realtime: boolean;
  config: Omit<StreamConfig, 'quality'> & { quality: VocoderQuality; blockMs: number; contextSeconds: number };
  latency: LatencyReport;
  compute: ComputeFigures;
  /** Stage -> mean ms per processed block. */
  stagesMs: Record<string, number>;
  blocks: number;
  /** Processed blocks whose compute exceeded the block duration. */
  deadlineMisses: number;
  /** Processed blocks that finished after the compute allowance (queue wait + compute). */
  late: number;
  dropped: number;
  /** With --realtime: the latest a block was handed over after its due time, ms. */
  maxHandoverLateMs: number | null;
  /** Wall time / audio duration. */
  rtf: number;
  /** Compute time / audio duration (excludes pacing waits). */
  computeRtf: number;
  sourceF0: { mean: number; std: number; voicedFrames: number } | null;
}

/** The converted audio (aligned with the input, same length) and the report. */
export interface StreamFileResult {
  audio: Float32Array;
  report: StreamReport;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Streams 16 kHz mono `input` through a StreamingConverter toward `target`.
 * @param engine a loaded engine (its conversion model is used)
 */
export async function streamFile(engine: Engine, input: Float32Array, target: TargetVoice, options: StreamFileOptions = {}): Promise<StreamFileResult> {
  const conv = new StreamingConverter(engine.converter, target, options);
  try {
    const cfg = conv.config;
    const B = cfg.blockSamples;
    const blockMs = (B * 1000) / MODEL_RATE;
    const total = Math.ceil(input.length / B);
    const stream = new Float32Array(input.length + cfg.delaySamples);
    let o = 0;
    const t0 = performance.now();
    let maxLate = 0;
    for (let k = 0; k < total; k++) {
      const block = input.subarray(k * B, Math.min(input.length, (k + 1) * B));
      // a partial last block is buffered by push() and completed with silence by flush()
      if (options.realtime) {
        const due = t0 + (k + 1) * blockMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        maxLate = Math.max(maxLate, performance.now() - due);
      }
      const out = await conv.push(block);
      stream.set(out, o);
      o += out.length;
      options.onBlock?.(k + 1, total);
    }
    const rest = await conv.flush();
    stream.set(rest.subarray(0, stream.length - o), o);
    const wallMs = performance.now() - t0;
    const seconds = input.length / MODEL_RATE;
    const measured = measureDelay(input, stream, cfg.delaySamples + cfg.blockSamples * 4);
    const s = conv.stats;
    const computeTotal = s.compute.sum;
    const stagesMs: Record<string, number> = {};
    for (const [k, v] of Object.entries(s.stageMs)) stagesMs[k] = Math.round((v / Math.max(1, s.processed)) * 10) / 10;
    const report: StreamReport = {
      seconds: Math.round(seconds * 100) / 100,
      realtime: !!options.realtime,
      config: { ...cfg, quality: cfg.quality, blockMs, contextSeconds: (cfg.contextFrames * 256) / MODEL_RATE },
      latency: latencyReport(cfg, s, measured),
      compute: computeFigures(s.compute),
      stagesMs,
      blocks: s.blocks,
      deadlineMisses: s.deadlineMisses,
      late: s.late,
      dropped: s.dropped,
      maxHandoverLateMs: options.realtime ? Math.round(maxLate * 10) / 10 : null,
      rtf: Math.round((wallMs / 1000 / seconds) * 1000) / 1000,
      computeRtf: Math.round((computeTotal / 1000 / seconds) * 1000) / 1000,
      sourceF0: s.sourceF0 ? { mean: r3(s.sourceF0.mean), std: r3(s.sourceF0.std), voicedFrames: s.sourceF0.voicedFrames } : null,
    };
    return { audio: stream.slice(cfg.delaySamples), report };
  } finally {
    conv.dispose();
  }
}

function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
