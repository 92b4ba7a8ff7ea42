// The engine half of `npm run bench` (DESIGN §7): model load time (manifest, sha256 checks, three
// sessions), then a fixed real-speech clip end to end as a user brings it (44.1 kHz stereo FLAC bytes
// -> decode -> 16 kHz mono -> convert to a built-in voice -> WAV bytes), per-stage milliseconds
// (median of `repeats` runs after WARM_UPS untimed ones), real-time factor and peak memory. src/bench.ts prints
// it together with the DSP stages.
import type { ConvertResult, VocoderQuality } from '../api/types.js';
import { decodeAudio } from '../audio/decode.js';
import { encodeFlac } from '../audio/flac-encode.js';
import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav-encode.js';
import { Engine } from './engine.js';
import { MODEL_RATE } from '../pipeline/frames.js';

/** Options of `runEngineBench`. */
export interface EngineBenchOptions {
  /** App root (models/, assets/). */
  root: string;
  /** 16 kHz mono speech to convert (the bench's fixed clip). */
  speech: Float32Array;
  /** Models folder. Default <root>/models. */
  modelsDir?: string;
  /** Where the (throwaway) voice library lives. */
  userDataDir: string;
  /** Target voice id. Default the first built-in voice of the other gender than 'female', else the first. */
  voiceId?: string;
  /** Quality setting. Default the engine's default ('best'). */
  quality?: VocoderQuality;
  /** Timed runs (median reported) after WARM_UPS untimed ones. Default 3. */
  repeats?: number;
  /** onnxruntime intraOpNumThreads. Default 1. */
  intraOpNumThreads?: number;
}

/** What the engine bench measured. */
export interface EngineBenchResult {
  modelLoadMs: number;
  voiceId: string;
  /** End-to-end stage -> median ms (decode, prepare, f0, mel, contentEncoder, ..., encodeWav). */
  stages: Record<string, number>;
  /** Median end-to-end milliseconds (file bytes in, WAV bytes out). */
  endToEndMs: number;
  /** endToEndMs / clip duration. */
  rtf: number;
  /** Median process CPU milliseconds per end-to-end run (all threads; less noisy than wall time on a shared machine). */
  cpuMs: number;
  /** cpuMs / clip duration. */
  cpuRtf: number;
  /** The first (cold) end-to-end run, ms. */
  coldMs: number;
  /** The verifier's meter of the last run (null when no run finished). */
  similarity: ConvertResult['similarity'] | null;
  /** Where pitch tracking and synthesis ran: 'worker', or why they ran on the engine's thread. */
  dspThread: string;
  /** The quality setting and the vocoder that ran it (last run). */
  synthesis: ConvertResult['synthesis'] | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Conversions before the timed ones: the first is cold (onnxruntime's first runs, JIT); the DSP thread's
 * synthesis takes one more to settle (measured 190, 150, then 105-110 ms per 10 s).
 */
const WARM_UPS = 2;

/** Loads the engine and converts the clip `repeats + WARM_UPS` times. */
export async function runEngineBench(options: EngineBenchOptions): Promise<EngineBenchResult> {
  const t0 = performance.now();
  const engine = await Engine.load({
    root: options.root,
    modelsDir: options.modelsDir,
    userDataDir: options.userDataDir,
    intraOpNumThreads: options.intraOpNumThreads,
  });
  const modelLoadMs = performance.now() - t0;
  try {
    const voices = engine.library.list();
    const voiceId = options.voiceId ?? (voices.find((v) => v.gender === 'male') ?? voices[0]).id;
    const target = engine.library.require(voiceId).target;
    // The input as a user brings it (prepared untimed): 44.1 kHz stereo FLAC.
    const up = resample(options.speech, MODEL_RATE, 44100);
    const fileBytes = encodeFlac({ sampleRate: 44100, channels: [up, up.map((v) => 0.9 * v)] });
    const clipSeconds = options.speech.length / MODEL_RATE;
    const runs: Record<string, number>[] = [];
    const totals: number[] = [];
    const cpus: number[] = [];
    let similarity: ConvertResult['similarity'] | null = null;
    let synthesis: ConvertResult['synthesis'] | null = null;
    const repeats = Math.max(1, options.repeats ?? 3);
    for (let i = 0; i < repeats + WARM_UPS; i++) {
      const stages: Record<string, number> = {};
      const start = performance.now();
      const c0 = process.cpuUsage();
      let t = performance.now();
      const decoded = await decodeAudio(fileBytes);
      stages.decode = performance.now() - t;
      const r = await engine.convert(decoded, target, { quality: options.quality });
      t = performance.now();
      encodeWav({ sampleRate: MODEL_RATE, channels: r.audio.channels });
      const encodeMs = performance.now() - t;
      for (const [k, v] of Object.entries(r.timings)) if (k !== 'total') stages[k] = v;
      stages.encodeWav = encodeMs;
      totals.push(performance.now() - start);
      const c = process.cpuUsage(c0);
      cpus.push((c.user + c.system) / 1000);
      runs.push(stages);
      similarity = r.similarity;
      synthesis = r.synthesis;
    }
    const coldMs = totals[0];
    const warm = runs.slice(WARM_UPS);
    const stages: Record<string, number> = {};
    for (const k of Object.keys(warm[0])) stages[k] = Math.round(median(warm.map((s) => s[k] ?? 0)) * 10) / 10;
    const endToEndMs = median(totals.slice(WARM_UPS));
    const cpuMs = median(cpus.slice(WARM_UPS));
    return {
      modelLoadMs: Math.round(modelLoadMs * 10) / 10,
      voiceId,
      stages,
      endToEndMs: Math.round(endToEndMs * 10) / 10,
      rtf: Math.round((endToEndMs / 1000 / clipSeconds) * 10000) / 10000,
      cpuMs: Math.round(cpuMs * 10) / 10,
      cpuRtf: Math.round((cpuMs / 1000 / clipSeconds) * 10000) / 10000,
      coldMs: Math.round(coldMs * 10) / 10,
      dspThread: engine.dspThreadUnavailable ?? 'worker',
      similarity,
      synthesis,
    };
  } finally {
    await engine.dispose();
  }
}
