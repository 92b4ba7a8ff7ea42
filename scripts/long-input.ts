// Long-input figure for the README's reliability section (issue 5): builds a long speech file by
// concatenating the shared CC0 cathy clips (default 60 minutes; written to a temp folder, never
// committed), then takes it the way the app does: decode the file, startConversion through the API
// handler table, poll getJob until done, encode the result as a 16-bit WAV. It samples the process
// RSS every 200 ms and prints one JSON object: input length, wall time per step, real-time factor,
// peak RSS and RSS at progress points (flat memory = RSS does not grow with progress beyond the
// input and output buffers themselves).
//
//   node --expose-gc --import tsx scripts/long-input.ts [--minutes 60] [--format wav|flac] [--quality best|fast|classic] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHandlerTable, type Envelope } from '../src/api/handlers.js';
import type { JobStatus } from '../src/api/types.js';
import { decodeAudioFile } from '../src/audio/decode.js';
import { encodeFlac } from '../src/audio/flac-encode.js';
import { encodeWav } from '../src/audio/wav-encode.js';
import { maxStep, stepsInAndOut } from '../src/audio/discontinuity.js';
import { planChunks } from '../src/pipeline/pipeline.js';
import { createVoiceService } from '../src/service.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const minutes = Number(flag('minutes', '60'));
const format = flag('format', 'wav');
const quality = args.includes('--quality') ? flag('quality', 'best') : undefined;
// The full Cathy corpus ($VOICESHIFT_SHARED_DATA or ../shared/data) when present, else the 30 clips in fixtures/ (cycled).
const sharedCathy = path.resolve(process.env.VOICESHIFT_SHARED_DATA ?? path.join(root, '..', 'shared', 'data'), 'cathy', 'audio');
const cathyDir = fs.existsSync(sharedCathy) ? sharedCathy : path.join(root, 'fixtures', 'cathy', 'audio');
const mb = (b: number): number => Math.round(b / 1048576);
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

async function main(): Promise<void> {
  const ctx = { transport: 'direct' as const };
  const ok = <T>(e: Envelope<T>): T => {
    if (!e.ok) throw new Error(`${e.error.code}: ${e.error.message}`);
    return e.result;
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-long-'));
  const n = Math.round(minutes * 60 * 16000);
  const inputFile = path.join(tmp, `long-${minutes}min.${format}`);
  const fileBytes = await buildInput(inputFile, n);


  // Measure from here: a fresh GC'd baseline, then sample RSS.
  global.gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  let progress = 0;
  const atProgress: Record<string, number> = {};
  const liveAtProgress: Record<string, number> = {};
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    const key = `${Math.min(100, Math.floor(progress * 10) * 10)}%`;
    atProgress[key] = Math.max(atProgress[key] ?? 0, mb(rss));
    if (liveAtProgress[key] === undefined && global.gc) {
      // Live JavaScript memory (heap objects + typed arrays) after a full collection, once per 10%.
      global.gc();
      const m = process.memoryUsage();
      liveAtProgress[key] = mb(m.heapUsed + m.arrayBuffers);
    }
  }, 200);

  const service = createVoiceService({ root, userDataDir: path.join(tmp, 'user') });
  const api = createHandlerTable(service);
  const voices = ok(await api.listVoices(undefined, ctx));
  const voice = voices.find((v) => v.gender === 'male') ?? voices[0];

  const t0 = performance.now();
  const decoded = await decodeAudioFile(inputFile);
  const decodeMs = performance.now() - t0;
  const rssAfterDecode = process.memoryUsage().rss;

  const t1 = performance.now();
  const req = { source: { sampleRate: decoded.sampleRate, channels: decoded.channels }, target: { mix: [{ voiceId: voice.id, weight: 1 }] }, ...(quality ? { quality } : {}) };
  const { jobId } = ok(await api.startConversion(req, ctx));
  let status: JobStatus;
  for (;;) {
    status = ok(await api.getJob({ jobId }, ctx));
    progress = status.progress;
    if (status.state !== 'queued' && status.state !== 'running') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const convertMs = performance.now() - t1;
  if (status.state !== 'done') throw new Error(`job ended ${status.state}: ${status.error?.message}`);
  const out = status.result!.audio;

  const t2 = performance.now();
  const wav = encodeWav({ sampleRate: out.sampleRate, channels: out.channels }, { format: 'int16' });
  const encodeMs = performance.now() - t2;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const seconds = n / 16000;
  // Clicks at chunk boundaries: the largest sample step inside the crossfades against everywhere else,
  // and the source's own largest step (both at 16 kHz).
  const chunks = planChunks(out.channels[0].length, 10 * 16000, 0.5 * 16000);
  const seams = stepsInAndOut(out.channels[0], chunks.slice(1).map((c, k) => ({ start: c.start, end: chunks[k].end })));
  const report = {
    inputMinutes: minutes,
    inputFormat: format,
    inputFileMB: mb(fileBytes),
    outputSeconds: out.channels[0].length / out.sampleRate,
    outputWavMB: mb(wav.byteLength),
    voiceId: voice.id,
    chunks: Math.ceil(seconds / 9.5),
    decodeMs: Math.round(decodeMs),
    convertMs: Math.round(convertMs),
    encodeMs: Math.round(encodeMs),
    wallMs: Math.round(decodeMs + convertMs + encodeMs),
    rtf: Math.round(((decodeMs + convertMs + encodeMs) / 1000 / seconds) * 10000) / 10000,
    engineRtf: status.result!.rtf,
    synthesis: status.result!.synthesis,
    seams: { count: chunks.length - 1, maxStepInCrossfades: round4(seams.inside), maxStepElsewhere: round4(seams.outside), sourceMaxStep: round4(maxStep(decoded.channels[0])) },
    similarityToTarget: status.result!.similarity.toTarget,
    baselineRssMB: mb(baselineRss),
    rssAfterDecodeMB: mb(rssAfterDecode),
    peakRssMB: mb(peakRss),
    maxRssMBfromOS: Math.round(process.resourceUsage().maxRSS / 1024),
    /** Audio buffers that must exist: the decoded input and the converted output (float32). */
    audioBuffersMB: mb(n * 4 * 2),
    rssMBByProgress: atProgress,
    /** heapUsed + arrayBuffers after gc (run with node --expose-gc): what the process really holds. */
    liveMBByProgress: liveAtProgress,
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  await service.dispose();
  if (!args.includes('--keep')) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify(report));
}

/** Writes cathy clips back to back (16 kHz mono, cycled if the corpus is shorter) as one file. */
async function buildInput(file: string, n: number): Promise<number> {
  const pcm = new Float32Array(n);
  const files = fs.readdirSync(cathyDir).filter((f) => f.endsWith('.flac')).sort();
  for (let o = 0, i = 0; o < n; i++) {
    const d = await decodeAudioFile(path.join(cathyDir, files[i % files.length]));
    const ch = d.channels[0];
    const k = Math.min(ch.length, n - o);
    pcm.set(ch.subarray(0, k), o);
    o += k;
  }
  const bytes = format === 'flac' ? encodeFlac({ sampleRate: 16000, channels: [pcm] }) : encodeWav({ sampleRate: 16000, channels: [pcm] }, { format: 'int16' });
  fs.writeFileSync(file, bytes);
  return bytes.byteLength;
}

main().catch((err: unknown) => {
  console.error(`long-input failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
