// Evaluates the app's quality gate as shipped (issue 4): clean held-out speech against generated
// abnormal input, through Engine.analyze, the same code the UI, enrollment and `vc analyze` use.
// Prints the AUROC of the anomaly score alone (utterance mean) and the verdict's accuracy per kind
// as a Markdown table and, last, one JSON line.
//   npx tsx scripts/anomaly-eval.ts [--corpus /work/corpus] [--n 24]
// Clean clips: the test split of the held-out (never trained on) voices in the corpus metadata, when
// the corpus exists; otherwise the Cathy clips in fixtures/ (a training voice: an easier set).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnalysisReport, AudioData } from '../src/api/types.js';
import { decodeAudioFile } from '../src/audio/decode.js';
import { Engine } from '../src/engine/engine.js';
import { cathyPaths, REPO_ROOT } from '../src/test-support/models.js';
import { seededRandom } from '../src/dsp/random.js';

const RATE = 16000;
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const corpus = flag('corpus', '/work/corpus');
const n = Number(flag('n', '24'));

function cleanPaths(): { paths: string[]; source: string } {
  const meta = path.join(corpus, 'metadata.tsv');
  if (fs.existsSync(meta)) {
    const [head, ...rows] = fs.readFileSync(meta, 'utf8').trim().split('\n').map((l) => l.split('\t'));
    const col = (name: string) => head.indexOf(name);
    const held = rows.filter((r) => r[col('split')] === 'test' && r[col('role')] !== 'train');
    const rnd = seededRandom(7);
    const picked = held.map((r) => [rnd(), r[col('path')]] as const).sort((a, b) => a[0] - b[0]).slice(0, n).map((x) => x[1]);
    if (picked.length >= 8) return { paths: picked, source: `held-out voices, test sentences (${corpus})` };
  }
  return { paths: cathyPaths().slice(-n), source: 'Cathy (training voice), last clips' };
}

const mono = (x: Float32Array): AudioData => ({ sampleRate: RATE, channels: [x] });
const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

function white(len: number, seed: number, amp = 0.2): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: len }, () => amp * (2 * r() - 1));
}

function pink(len: number, seed: number): Float32Array {
  // Paul Kellet's filter over white noise.
  const w = white(len, seed, 1);
  const out = new Float32Array(len);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < len; i++) {
    const x = w[i];
    b0 = 0.99886 * b0 + x * 0.0555179; b1 = 0.99332 * b1 + x * 0.0750759; b2 = 0.969 * b2 + x * 0.153852;
    b3 = 0.8665 * b3 + x * 0.3104856; b4 = 0.55 * b4 + x * 0.5329522; b5 = -0.7616 * b5 - x * 0.016898;
    out[i] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + x * 0.5362) * 0.03;
    b6 = x * 0.115926;
  }
  return out;
}

function chord(len: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const root = 110 * 2 ** (r() * 2);
  const freqs = seed % 2 === 0 ? [root] : [root, root * 1.26, root * 1.5, root * 2];
  return Float32Array.from({ length: len }, (_, i) => freqs.reduce((s, f) => s + (0.3 / freqs.length) * Math.sin((2 * Math.PI * f * i) / RATE), 0));
}

type Kind = 'clean' | 'white noise' | 'pink noise' | 'tones/chords' | 'clipped speech' | 'speech in 0 dB noise' | 'reversed speech' | 'silence';

function corrupt(kind: Kind, x: Float32Array, seed: number): Float32Array {
  switch (kind) {
    case 'clean': return x;
    case 'white noise': return white(x.length, seed);
    case 'pink noise': return pink(x.length, seed);
    case 'tones/chords': return chord(x.length, seed);
    case 'clipped speech': {
      const g = 0.9 / (Math.max(...x.map(Math.abs)) * 0.15); // drive the peak to ~6.7x full scale
      return x.map((v) => Math.max(-0.9, Math.min(0.9, v * g)));
    }
    case 'speech in 0 dB noise': {
      const w = white(x.length, seed, 1);
      const k = rms(x) / rms(w);
      return x.map((v, i) => v + k * w[i]);
    }
    case 'reversed speech': return x.slice().reverse();
    case 'silence': return new Float32Array(x.length);
  }
}

function auroc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const q of neg) s += p > q ? 1 : p === q ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

async function main(): Promise<void> {
  const { paths, source } = cleanPaths();
  const engine = await Engine.load({ root: REPO_ROOT, userDataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'vs-anomaly-')) });
  const kinds: Kind[] = ['clean', 'white noise', 'pink noise', 'tones/chords', 'clipped speech', 'speech in 0 dB noise', 'reversed speech', 'silence'];
  const reports = new Map<Kind, AnalysisReport[]>(kinds.map((k) => [k, []]));
  for (const [i, p] of paths.entries()) {
    const d = await decodeAudioFile(p);
    const x = d.sampleRate === RATE ? d.channels[0] : (await import('../src/audio/resample.js')).resample(d.channels[0], d.sampleRate, RATE);
    for (const k of kinds) reports.get(k)!.push(await engine.analyze(mono(corrupt(k, x, i + 1))));
  }
  const clean = reports.get('clean')!;
  const cleanScores = clean.map((r) => r.anomaly.meanScore);
  const rows = kinds.map((k) => {
    const rs = reports.get(k)!;
    const correct = rs.filter((r) => (k === 'clean' ? r.verdict === 'ok' : r.verdict !== 'ok')).length;
    return {
      kind: k,
      n: rs.length,
      meanScore: rs.reduce((s, r) => s + r.anomaly.meanScore, 0) / rs.length,
      auroc: k === 'clean' ? null : auroc(rs.map((r) => r.anomaly.meanScore), cleanScores),
      verdictAccuracy: correct / rs.length,
      verdicts: { ok: rs.filter((r) => r.verdict === 'ok').length, warn: rs.filter((r) => r.verdict === 'warn').length, reject: rs.filter((r) => r.verdict === 'reject').length },
    };
  });
  await engine.dispose();
  console.log(`Clean clips: ${source}, n = ${paths.length}. Verdict counted correct when clean -> ok, abnormal -> warn or reject.\n`);
  console.log('| kind | n | mean anomaly score | AUROC (score alone) | verdict accuracy | ok / warn / reject |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.kind} | ${r.n} | ${r.meanScore.toFixed(2)} | ${r.auroc === null ? '-' : r.auroc.toFixed(3)} | ${(100 * r.verdictAccuracy).toFixed(0)} % | ${r.verdicts.ok} / ${r.verdicts.warn} / ${r.verdicts.reject} |`);
  }
  console.log(JSON.stringify({ source, n: paths.length, rows }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
