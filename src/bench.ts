// `npm run bench`: a fixed 10 s clip of real speech through the audio/DSP pipeline, timed per
// stage (DESIGN §7). Why it exists: speed targets are ratios measured in one run (real-time
// factor = processing time / audio duration), and regressions must show up as numbers.
// The last line printed is one JSON object. The engine adds model stages by calling
// runDspBench() and timing its own stages with timeStage() into the same `stages` record.

import { mkdtempSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeAudio, decodeAudioFile } from './audio/decode';
import { downmix } from './audio/downmix';
import { encodeFlac } from './audio/flac-encode';
import { resample } from './audio/resample';
import { encodeWav } from './audio/wav-encode';
import { f0Yin, type F0Track } from './dsp/f0';
import { griffinLim, melToLinear, spectralConvergence } from './dsp/griffin-lim';
import { logMel, type LogMel } from './dsp/mel';
import { defaultAperiodicity, heldPitchHz, sourceFilter } from './dsp/source-filter';
import { runEngineBench, type EngineBenchResult } from './engine/bench-engine';
import { runStreamBench, type StreamBenchResult } from './stream/stream-bench';
import { VOCODER_QUALITIES, type VocoderQuality } from './api/types';
import { QUALITY } from './pipeline/quality';

/** The real speech the bench converts: the CC0 Cathy clips shipped in the checkout (fixtures/README.md). */
export const BENCH_SPEECH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cathy', 'audio');

/** Stage name -> milliseconds, in pipeline order. */
export type BenchStages = Record<string, number>;

/** Options of runDspBench. */
export interface DspBenchOptions {
  /** Clip length in seconds. Default 10. */
  seconds?: number;
  /** Griffin-Lim iterations. Default 32. */
  glIterations?: number;
  /** Timed repetitions per stage; the median is reported. Default 3. */
  repeats?: number;
  /** Folder of 16 kHz FLAC speech. Default: the CC0 Cathy clips shipped in fixtures/cathy/audio. */
  speechDir?: string;
}

/** What runDspBench measured and produced (the engine feeds `audio16k` / `mel` / `f0` to the models). */
export interface DspBenchResult {
  clipSeconds: number;
  /** 'cathy' (real CC0 speech) or 'synthetic' when the speech folder is missing or empty. */
  clip: string;
  stages: BenchStages;
  /** Process CPU ms per stage (median); close to `stages` on an idle machine. */
  cpuStages: BenchStages;
  /** Model-rate mono audio after decode + downmix + resample. */
  audio16k: Float32Array;
  mel: LogMel;
  f0: F0Track;
  /** Vocoder output. */
  vocoded: Float32Array;
  /** Spectral convergence of the vocoder output against the mel-inverted target. */
  griffinLimSpectralConvergence: number;
}

/**
 * Time `fn` `repeats` times (after one untimed warm-up when repeats > 1) and record the
 * median wall-clock ms in `stages[name]` (and the median process CPU ms in `cpuStages[name]`
 * when given: on a loaded machine wall time exceeds CPU time); returns the last result.
 */
export async function timeStage<T>(stages: BenchStages, name: string, fn: () => T | Promise<T>, repeats = 1, cpuStages?: BenchStages): Promise<T> {
  let result: T | undefined = repeats > 1 ? await fn() : undefined; // warm-up (JIT)
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (a: number[]): number => Math.round(a.sort((x, y) => x - y)[a.length >> 1] * 100) / 100;
  stages[name] = median(times);
  if (cpuStages) cpuStages[name] = median(cpu);
  return result as T;
}

async function speechClip(seconds: number, dir: string): Promise<{ audio: Float32Array; clip: string }> {
  const n = Math.round(seconds * 16000);
  const out = new Float32Array(n);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.flac')).sort();
  } catch {
    files = [];
  }
  if (files.length === 0) {
    // synthetic stand-in: a gliding harmonic tone with syllable-like amplitude modulation
    let ph = 0;
    for (let i = 0; i < n; i++) {
      const t = i / 16000;
      ph += (2 * Math.PI * (180 + 40 * Math.sin(2 * Math.PI * 0.5 * t))) / 16000;
      let v = 0;
      for (let h = 1; h <= 20; h++) v += Math.sin(h * ph) / h;
      out[i] = 0.2 * v * Math.max(0, Math.sin(2 * Math.PI * 3 * t));
    }
    return { audio: out, clip: 'synthetic' };
  }
  let o = 0;
  for (const f of files) {
    if (o >= n) break;
    const a = await decodeAudioFile(resolve(dir, f));
    const ch = a.channels[0];
    const k = Math.min(ch.length, n - o);
    out.set(ch.subarray(0, k), o);
    o += k;
  }
  return { audio: out, clip: 'cathy' };
}

/**
 * Run the DSP pipeline on a fixed real-speech clip: a 44.1 kHz stereo FLAC is prepared
 * (untimed), then decode, downmix, resample 44.1k -> 16k, log-mel, F0, mel inversion and
 * Griffin-Lim are timed (median of `repeats`).
 */
export async function runDspBench(opts: DspBenchOptions = {}): Promise<DspBenchResult> {
  const seconds = opts.seconds ?? 10;
  const iters = opts.glIterations ?? 32;
  const repeats = opts.repeats ?? 3;
  const dir = opts.speechDir ?? BENCH_SPEECH_DIR;
  const { audio: speech, clip } = await speechClip(seconds, dir);

  // input file as a user would bring it: 44.1 kHz stereo FLAC (prepared, not timed)
  const up = resample(speech, 16000, 44100);
  const right = up.map((v) => 0.9 * v);
  const fileBytes = encodeFlac({ sampleRate: 44100, channels: [up, right] });

  const stages: BenchStages = {};
  const cpu: BenchStages = {};
  const decoded = await timeStage(stages, 'decode', () => decodeAudio(fileBytes), repeats, cpu);
  const mono = await timeStage(stages, 'downmix', () => downmix(decoded), repeats, cpu);
  const audio16k = await timeStage(stages, 'resample', () => resample(mono, decoded.sampleRate, 16000), repeats, cpu);
  const mel = await timeStage(stages, 'logMel', () => logMel(audio16k), repeats, cpu);
  const f0 = await timeStage(stages, 'f0', () => f0Yin(audio16k), repeats, cpu);
  const target = await timeStage(stages, 'melInverse', () => melToLinear(mel.data, mel.frames), repeats, cpu);
  const vocoded = await timeStage(stages, `griffinLim${iters}`, () => griffinLim(target, mel.frames, { iterations: iters, length: audio16k.length }), repeats, cpu);
  // The neural vocoder's signal path alone (a fixed aperiodicity profile in place of the network's output, and
  // the Best setting's detail floor everywhere: on converted speech much of the network's detail is below it).
  const ap = defaultAperiodicity(mel.frames);
  const hz = heldPitchHz(f0.logF0, f0.voiced);
  const { passes, detailFloor } = QUALITY.best;
  const detail = new Float32Array(ap.length).fill(detailFloor);
  await timeStage(stages, `sourceFilter${passes}`, () => sourceFilter(mel.data, mel.frames, hz, f0.voiced, ap, { passes, length: audio16k.length, detail }), repeats, cpu);
  await timeStage(stages, 'encodeWav', () => encodeWav({ sampleRate: 16000, channels: [vocoded] }), repeats, cpu);
  return {
    clipSeconds: audio16k.length / 16000,
    clip,
    stages,
    cpuStages: cpu,
    audio16k,
    mel,
    f0,
    vocoded,
    griffinLimSpectralConvergence: spectralConvergence(target, vocoded),
  };
}

/** The JSON summary printed as the bench's last line. */
export function benchSummary(r: Pick<DspBenchResult, 'clipSeconds' | 'clip' | 'stages'> & { cpuStages?: BenchStages; griffinLimSpectralConvergence?: number }, glIterations = 32): Record<string, unknown> {
  const total = Object.values(r.stages).reduce((a, b) => a + b, 0);
  const perTenSeconds = (ms: number | undefined): number | null => (ms === undefined ? null : Math.round(((ms * 10) / r.clipSeconds) * 100) / 100);
  return {
    clipSeconds: r.clipSeconds,
    clip: r.clip,
    stages: r.stages,
    totalMs: Math.round(total * 100) / 100,
    rtf: Math.round((total / (r.clipSeconds * 1000)) * 10000) / 10000,
    cpuStages: r.cpuStages,
    targets: {
      logMelMsPer10s: { target: 20, measured: perTenSeconds(r.stages.logMel) },
      griffinLim32MsPer10s: { target: 300, measured: glIterations === 32 ? perTenSeconds(r.stages[`griffinLim${glIterations}`]) : null },
    },
    griffinLimSpectralConvergence: r.griffinLimSpectralConvergence !== undefined ? Math.round(r.griffinLimSpectralConvergence * 10000) / 10000 : undefined,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    machine: { cpus: cpus().length, loadavg1m: Math.round(loadavg()[0] * 100) / 100, node: process.version },
  };
}

async function main(): Promise<void> {
  const r = await runDspBench();
  const pad = Math.max(...Object.keys(r.stages).map((k) => k.length));
  console.log(`DSP bench: ${r.clipSeconds.toFixed(2)} s of ${r.clip} speech (44.1 kHz stereo FLAC in), median of 3 runs`);
  for (const [k, v] of Object.entries(r.stages)) console.log(`  ${k.padEnd(pad)}  ${v.toFixed(2).padStart(9)} ms wall  ${r.cpuStages[k].toFixed(2).padStart(9)} ms cpu`);
  const dsp = benchSummary(r);
  // Model stages (engine): the same clip end to end through the real models; skipped with a note when no export exists.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  let engine: EngineBenchResult | null = null;
  // The same clip with every quality setting; 'best' (the default) is the headline.
  const settings: Partial<Record<VocoderQuality, EngineBenchResult>> = {};
  const benchOptions = { root, speech: r.audio16k, userDataDir: mkdtempSync(join(tmpdir(), 'vs-bench-')), modelsDir: process.env.VOICESHIFT_MODELS_DIR };
  try {
    for (const quality of VOCODER_QUALITIES) settings[quality] = await runEngineBench({ ...benchOptions, quality });
    engine = settings.best!;
  } catch (e) {
    console.log(`Engine bench skipped: ${(e as Error).message}`);
  }
  // Live mode: the same clip through the streaming converter (default settings).
  let stream: StreamBenchResult | null = null;
  if (engine) {
    try {
      stream = await runStreamBench(benchOptions);
    } catch (e) {
      console.log(`Stream bench skipped: ${(e as Error).message}`);
    }
  }
  if (!engine) {
    console.log(JSON.stringify(dsp));
    return;
  }
  const epad = Math.max(...Object.keys(engine.stages).map((k) => k.length));
  console.log(`Engine bench: model load ${engine.modelLoadMs} ms; ${r.clipSeconds.toFixed(2)} s clip end to end (FLAC bytes in, WAV bytes out) to voice "${engine.voiceId}", median of 3 runs after two untimed ones; DSP thread: ${engine.dspThread}`);
  for (const [k, v] of Object.entries(engine.stages)) console.log(`  ${k.padEnd(epad)}  ${v.toFixed(1).padStart(9)} ms`);
  console.log(`  ${'total'.padEnd(epad)}  ${engine.endToEndMs.toFixed(1).padStart(9)} ms wall, ${engine.cpuMs.toFixed(1)} ms cpu (cold run ${engine.coldMs} ms)`);
  for (const [q, s] of Object.entries(settings)) console.log(`  quality ${q.padEnd(8)} (${s.synthesis?.vocoder}): vocoder ${s.stages.vocoder} ms, end to end ${s.endToEndMs} ms, RTF ${s.rtf}`);
  if (stream) {
    const l = stream.latency;
    console.log(`Live mode (${stream.vocoder}): end to end ${l.endToEndMs} ms; compute per block p50 ${stream.compute.p50} ms, p95 ${stream.compute.p95} ms; deadline misses ${stream.deadlineMisses}/${stream.blocks}, drops ${stream.dropped}`);
  }
  const vocoderMsPer10s = Math.round(((engine.stages.vocoder ?? 0) * 10) / r.clipSeconds * 10) / 10;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    JSON.stringify({
      clipSeconds: r.clipSeconds,
      clip: r.clip,
      stages: engine.stages,
      endToEndMs: engine.endToEndMs,
      rtf: engine.rtf,
      cpuRtf: engine.cpuRtf,
      coldMs: engine.coldMs,
      modelLoadMs: engine.modelLoadMs,
      peakRssMb,
      voiceId: engine.voiceId,
      quality: 'best',
      synthesis: engine.synthesis,
      dspThread: engine.dspThread,
      similarity: engine.similarity,
      settings: Object.fromEntries(Object.entries(settings).map(([q, s]) => [q, { vocoder: s.synthesis?.vocoder, vocoderMs: s.stages.vocoder, stages: s.stages, endToEndMs: s.endToEndMs, rtf: s.rtf, cpuRtf: s.cpuRtf }])),
      targets: {
        rtf: { target: 0.03, measured: engine.rtf },
        vocoderMsPer10s: { target: 150, measured: vocoderMsPer10s },
        modelLoadMs: { target: 500, measured: engine.modelLoadMs },
        peakRssMb: { target: 400, measured: peakRssMb },
        liveEndToEndMs: { target: 150, measured: stream?.latency.endToEndMs ?? null },
      },
      stream,
      dsp: { stages: dsp.stages, cpuStages: dsp.cpuStages, totalMs: dsp.totalMs, rtf: dsp.rtf, targets: dsp.targets, griffinLimSpectralConvergence: dsp.griffinLimSpectralConvergence },
      machine: dsp.machine,
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
