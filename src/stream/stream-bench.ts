// The live-mode part of `npm run bench` (issue 16): the bench's clip through the StreamingConverter
// with the default settings, as fast as possible (the converter still keeps its virtual real-time clock,
// so deadline misses and drops are those a live stream would have had), and the latency parts with the
// stream delay measured on the clip. src/bench.ts adds the result to its JSON as `stream`.
import { Engine } from '../engine/engine.js';
import { streamFile, type StreamReport } from './stream-command.js';
import type { StreamOptions } from './streaming-converter.js';

/** Options of `runStreamBench`. */
export interface StreamBenchOptions extends StreamOptions {
  /** App root (models/, assets/). */
  root: string;
  /** 16 kHz mono speech. */
  speech: Float32Array;
  /** Where the (throwaway) voice library lives. */
  userDataDir: string;
  /** Models folder. Default <root>/models. */
  modelsDir?: string;
  /** Target voice id. Default the first voice of the library. */
  voiceId?: string;
  /** Pace at 1x. Default false. */
  realtime?: boolean;
}

/** The compact figures the bench prints. */
export interface StreamBenchResult {
  voiceId: string;
  latency: StreamReport['latency'];
  compute: StreamReport['compute'];
  stagesMs: StreamReport['stagesMs'];
  deadlineMisses: number;
  late: number;
  dropped: number;
  blocks: number;
  computeRtf: number;
  vocoder: string;
  targets: { endToEndMs: { target: number; measured: number } };
}

/** Loads an engine, streams the clip once (after a 2 s warm-up stream), disposes the engine. */
export async function runStreamBench(options: StreamBenchOptions): Promise<StreamBenchResult> {
  const engine = await Engine.load({ root: options.root, modelsDir: options.modelsDir, userDataDir: options.userDataDir });
  try {
    const voiceId = options.voiceId ?? engine.library.list()[0].id;
    const target = engine.resolveTarget([{ voiceId, weight: 1 }]);
    await streamFile(engine, options.speech.subarray(0, Math.min(options.speech.length, 32000)), target, options); // warm-up
    const { report } = await streamFile(engine, options.speech, target, options);
    return {
      voiceId,
      latency: report.latency,
      compute: report.compute,
      stagesMs: report.stagesMs,
      deadlineMisses: report.deadlineMisses,
      late: report.late,
      dropped: report.dropped,
      blocks: report.blocks,
      computeRtf: report.computeRtf,
      vocoder: report.config.vocoderKind,
      targets: { endToEndMs: { target: 150, measured: report.latency.endToEndMs } },
    };
  } finally {
    await engine.dispose();
  }
}
