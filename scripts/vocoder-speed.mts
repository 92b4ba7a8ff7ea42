// Micro-benchmark of the vocoder DSP (`sourceFilter`): 10 s of real speech (Cathy fixture clips,
// concatenated), its log-mel and YIN pitch, synthesized with 1, 2 and 3 consistency passes and a per-band
// detail in [0.6, 1] as the app's Best setting gives it (the network's detail above the floor).
// Why it exists: issue 12 asks for the whole vocoder stage <= 150 ms per 10 s; `npm run bench`
// times much more than this one function. Prints JSON lines {passes, ms} (CPU ms, median of `runs` runs).
//   npx tsx scripts/vocoder-speed.mts [runs]
// With VOCODER_AB=<path to another source-filter.ts> it alternates that implementation (A) with this
// checkout's (B) run by run, so load from other processes hits both alike, and reports `ratio` (A's median over B's) and
// the max abs sample difference `maxDiff`.
import { decodeAudioFile } from '../src/audio/decode';
import { f0Yin } from '../src/dsp/f0';
import { logMel } from '../src/dsp/mel';
import * as current from '../src/dsp/source-filter';
import { cathyPaths } from '../src/test-support/fixtures';

type SourceFilter = typeof current.sourceFilter;
const SECONDS = 10;
const SR = 16000;
const runs = Number(process.argv[2] ?? 9);

async function speech(): Promise<Float32Array> {
  const out = new Float32Array(SECONDS * SR);
  let o = 0;
  for (const p of cathyPaths()) {
    if (o >= out.length) break;
    const ch = (await decodeAudioFile(p)).channels[0];
    const k = Math.min(ch.length, out.length - o);
    out.set(ch.subarray(0, k), o);
    o += k;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const audio = await speech();
const mel = logMel(audio);
const f0 = f0Yin(audio);
const hz = current.heldPitchHz(f0.logF0, f0.voiced);
const ap = current.defaultAperiodicity(mel.frames);
// a deterministic stand-in for the network's detail above the Best floor (0.6): varies by band and frame
const detail = Float32Array.from({ length: 80 * mel.frames }, (_, i) => 0.6 + 0.4 * ((i * 7919) % 101) / 100);
const abPath = process.env.VOCODER_AB;
const other: SourceFilter | null = abPath ? ((await import(abPath)) as typeof current).sourceFilter : null;

for (const passes of [1, 2, 3]) {
  const run = (sf: SourceFilter): { ms: number; y: Float32Array } => {
    // CPU time of this (single-threaded, synchronous) call: wall time on a loaded machine counts other processes' turns
    const c0 = process.cpuUsage();
    const y = sf(mel.data, mel.frames, hz, f0.voiced, ap, { passes, length: audio.length, detail });
    const c = process.cpuUsage(c0);
    return { ms: (c.user + c.system) / 1000, y };
  };
  // warm-up (JIT) of each implementation
  for (let w = 0; w < 3; w++) {
    run(current.sourceFilter);
    if (other) run(other);
  }
  const a: number[] = [];
  const b: number[] = [];
  let maxDiff = 0;
  for (let r = 0; r < runs; r++) {
    // alternate which one goes first, so neither always runs on a cache the other warmed or cooled
    const ra0 = other && r % 2 === 1 ? run(other) : null;
    const rb = run(current.sourceFilter);
    b.push(rb.ms);
    if (other) {
      const ra = ra0 ?? run(other);
      a.push(ra.ms);
      for (let i = 0; i < ra.y.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ra.y[i] - rb.y[i]));
    }
  }
  const ms = Math.round(median(b) * 10) / 10;
  if (other) {
    const msA = Math.round(median(a) * 10) / 10;
    console.log(JSON.stringify({ passes, ms, msOther: msA, ratio: Math.round((msA / ms) * 100) / 100, maxDiff }));
  } else {
    console.log(JSON.stringify({ passes, ms }));
  }
}
