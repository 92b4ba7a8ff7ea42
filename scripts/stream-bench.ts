// Live-mode endurance and latency figure (issue 16): streams `--minutes` (default 10) of real speech (the
// CC0 Cathy clips in fixtures/, cycled, generated block by block so the input itself takes no memory)
// through the StreamingConverter toward a built-in voice, paced at 1x (the default; --fast runs as fast
// as possible) after the same warm-up the live engine does, and prints one JSON object: deadline misses, drops, compute per block (p50/p95/max),
// the latency parts with the stream delay MEASURED by envelope cross-correlation over the first 30 s,
// memory (RSS and JS heap + array buffers, after a full collection) at the start, each minute and the end,
// the slowest blocks (per-stage times and the garbage collections that overlapped them), and the machine's load average.
//
//   node --expose-gc --import tsx scripts/stream-bench.ts [--minutes 10] [--fast] [--block-ms N]
//     [--lookahead N] [--context S] [--quality fast|best] [--voice ID] [--allowance-ms N] [--models DIR] [--graphs streaming|offline]
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import type { VocoderQuality } from '../src/api/types.js';
import { decodeAudioFile } from '../src/audio/decode.js';
import { Engine } from '../src/engine/engine.js';
import { cathyPaths } from '../src/test-support/fixtures.js';
import { computeFigures, latencyReport, measureDelay } from '../src/stream/latency.js';
import { StreamingConverter, warmUpStreaming, type StreamGraphs } from '../src/stream/streaming-converter.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const minutes = Number(flag('minutes', '10'));
const realtime = !args.includes('--fast');
const quality = flag('quality', 'fast') as VocoderQuality;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
function memory(): { rssMB: number; liveMB: number } {
  const a = performance.now();
  gc();
  gc();
  forcedSpans.push([a, performance.now()]);
  const m = process.memoryUsage();
  return { rssMB: Math.round((m.rss / MB) * 10) / 10, liveMB: Math.round(((m.heapUsed + m.arrayBuffers) / MB) * 10) / 10 };
}

const userDataDir = path.join(os.tmpdir(), `vs-stream-bench-${process.pid}`);
const engine = await Engine.load({ root, userDataDir, modelsDir: flag('models', path.join(root, 'models')) });
const voices = engine.library.list();
const voiceId = flag('voice', voices[0].id);
const target = engine.resolveTarget([{ voiceId, weight: 1 }]);
const clips: Float32Array[] = [];
for (const p of cathyPaths()) clips.push((await decodeAudioFile(p)).channels[0]);

const numberFlag = (name: string): number | undefined => (args.includes(`--${name}`) ? Number(flag(name, '')) : undefined);
const options = {
  blockMs: numberFlag('block-ms'),
  lookaheadFrames: numberFlag('lookahead'),
  contextSeconds: numberFlag('context'),
  quality,
  graphs: flag('graphs', 'streaming') as StreamGraphs,
  computeAllowanceMs: numberFlag('allowance-ms'),
};
// warm the graphs up first, as the live engine does before a session's first block
await warmUpStreaming(engine.converter, target, options);
const conv = new StreamingConverter(engine.converter, target, options);
const B = conv.config.blockSamples;
const blockMs = (B * 1000) / 16000;
const totalBlocks = Math.round((minutes * 60 * 16000) / B);
// the speech, block by block, cycling through the clips
let clip = 0;
let pos = 0;
const block = new Float32Array(B);
function nextBlock(): Float32Array {
  for (let i = 0; i < B; i++) {
    if (pos >= clips[clip].length) {
      clip = (clip + 1) % clips.length;
      pos = 0;
    }
    block[i] = clips[clip][pos++];
  }
  return block;
}
const measureBlocks = Math.min(totalBlocks, Math.round((30 * 16000) / B));
const inHead = new Float32Array(measureBlocks * B);
const outHead = new Float32Array(measureBlocks * B);

// garbage collections during the stream (not the bench's own forced ones): to tell whether slow blocks overlap one
// (entries arrive asynchronously: the bench's own full collections are told apart by their time span)
const gcPauses: { at: number; ms: number; kind: number }[] = [];
const forcedSpans: [number, number][] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (forcedSpans.some(([a, b]) => e.startTime >= a && e.startTime <= b)) continue;
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    gcPauses.push({ at: e.startTime, ms: e.duration, kind });
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const memStart = memory();
const memByMinute: { minute: number; rssMB: number; liveMB: number }[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const t0 = performance.now();
let maxLate = 0;
const missesByMinute: number[] = [];
let missesBefore = 0;
for (let k = 0; k < totalBlocks; k++) {
  if (realtime) {
    const due = t0 + (k + 1) * blockMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLate = Math.max(maxLate, performance.now() - due);
  }
  const x = nextBlock();
  const y = await conv.push(x);
  if (k < measureBlocks) {
    inHead.set(x, k * B);
    outHead.set(y, k * B);
  }
  if ((k + 1) % Math.round(60000 / blockMs) === 0) {
    memByMinute.push({ minute: memByMinute.length + 1, ...memory() });
    missesByMinute.push(conv.stats.deadlineMisses - missesBefore);
    missesBefore = conv.stats.deadlineMisses;
  }
}
const wallMs = performance.now() - t0;
gcObserver.disconnect();
// each slow block with the collections that overlapped it (kind: 1 minor, 2 major, 4 incremental, 8 weak callbacks)
const spikes = [...conv.stats.spikes]
  .sort((a, b) => b.ms - a.ms)
  .map((sp) => {
    const gcs = gcPauses.filter((g) => g.at < sp.at + sp.ms && g.at + g.ms > sp.at);
    const stages: Record<string, number> = {};
    for (const [k, v] of Object.entries(sp.stages)) stages[k] = Math.round(v * 10) / 10;
    return {
      block: sp.block,
      ms: Math.round(sp.ms * 10) / 10,
      stages,
      gcMs: Math.round(gcs.reduce((a, g) => a + g.ms, 0) * 10) / 10,
      gcKinds: [...new Set(gcs.map((g) => g.kind))],
    };
  });
const gcSummary = {
  count: gcPauses.length,
  totalMs: Math.round(gcPauses.reduce((a, g) => a + g.ms, 0)),
  maxMs: Math.round(Math.max(0, ...gcPauses.map((g) => g.ms)) * 10) / 10,
  over10ms: gcPauses.filter((g) => g.ms > 10).length,
};
if (missesByMinute.length < Math.ceil(minutes)) missesByMinute.push(conv.stats.deadlineMisses - missesBefore);
const memEnd = memory();
const measured = measureDelay(inHead, outHead, conv.config.delaySamples + 4 * B);
const s = conv.stats;
const stagesMs: Record<string, number> = {};
for (const [k, v] of Object.entries(s.stageMs)) stagesMs[k] = Math.round((v / Math.max(1, s.processed)) * 10) / 10;
const result = {
  minutes,
  realtime,
  voiceId,
  config: conv.config,
  latency: latencyReport(conv.config, s, measured),
  compute: computeFigures(s.compute),
  stagesMs,
  blocks: s.blocks,
  processed: s.processed,
  deadlineMisses: s.deadlineMisses,
  late: s.late,
  missesByMinute,
  dropped: s.dropped,
  maxHandoverLateMs: realtime ? Math.round(maxLate * 10) / 10 : null,
  rtf: Math.round((wallMs / (minutes * 60000)) * 1000) / 1000,
  computeRtf: Math.round((s.compute.sum / (minutes * 60000)) * 1000) / 1000,
  memory: { start: memStart, end: memEnd, byMinute: memByMinute },
  gc: gcSummary,
  spikes,
  loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  cpus: os.cpus().length,
};
conv.dispose();
await engine.dispose();
console.log(JSON.stringify(result));
