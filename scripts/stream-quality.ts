// Streaming vs offline conversion of the same speech (issue 16's quality question, a first proxy until the
// real-speech held-out evaluation runs on streamed output): for each setting (left context, lookahead)
// the StreamingConverter's output is compared with the offline pipeline's output made with the SAME
// synthesis (the plain source-filter, 1 pass), the same input gain and the same source F0 statistics, so
// what differs is only the windowed graphs (instance normalization over the window, the right edge):
//   melL1       mean |log-mel difference| over active frames (natural log units);
//   verifier    cosine of each output's speaker-verifier embedding to the target voice's (the meter's
//               embedding, a separately trained network), offline next to streamed.
//   node --import tsx scripts/stream-quality.ts [--seconds 30] [--voice ID]
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src/engine/engine.js';
import { f0Blocked, f0Stats } from '../src/pipeline/pitch.js';
import { inputGain } from '../src/pipeline/frames.js';
import { convertAudio } from '../src/pipeline/pipeline.js';
import { cosine } from '../src/pipeline/similarity.js';
import { verifierEmbeddingOf } from '../src/quality-gate/speaker-meter.js';
import { LogMelExtractor } from '../src/dsp/mel.js';
import { cathySeconds } from '../src/test-support/models.js';
import { plainSourceFilterVocoder, StreamingConverter, type StreamOptions } from '../src/stream/streaming-converter.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const seconds = Number(flag('seconds', '30'));
const engine = await Engine.load({ root, userDataDir: path.join(os.tmpdir(), `vs-stream-q-${process.pid}`) });
const voiceId = flag('voice', engine.library.list()[0].id);
const target = engine.resolveTarget([{ voiceId, weight: 1 }]);
const source = (await cathySeconds(seconds, 3)).channels[0];
const gain = inputGain(source);
const track = f0Blocked(source, undefined, gain);
const stats = f0Stats(track.logF0, track.voiced);
const vocoder = plainSourceFilterVocoder(1);
const offline = await convertAudio(engine.converter, source, target, { vocoder, similarity: false, matchLoudness: false, inputGain: gain });

const mel = new LogMelExtractor();
const ref = mel.compute(offline.audio);
const refData = ref.data.slice();
/** Active frames: the offline output's frame energy within 40 dB of its loudest. */
const energy = new Float64Array(ref.frames);
for (let t = 0; t < ref.frames; t++) for (let b = 0; b < 80; b++) energy[t] += Math.exp(refData[b * ref.frames + t]);
const emax = Math.max(...energy);
const targetEmb = target.verifier && 'embedding' in target.verifier ? target.verifier.embedding : null;
const offEmb = await verifierEmbeddingOf(engine.verifier, offline.audio);
const srcEmb = await verifierEmbeddingOf(engine.verifier, source);

async function streamed(options: StreamOptions): Promise<Float32Array> {
  const conv = new StreamingConverter(engine.converter, target, { ...options, vocoder, inputGain: gain, sourceF0: stats, matchLevel: false, dropWhenBehind: false });
  const out = new Float32Array(source.length + conv.config.delaySamples);
  let o = 0;
  for (let i = 0; i < source.length; i += conv.config.blockSamples) {
    const y = await conv.push(source.subarray(i, i + conv.config.blockSamples));
    out.set(y, o);
    o += y.length;
  }
  out.set((await conv.flush()).subarray(0, out.length - o), o);
  return out.slice(conv.config.delaySamples);
}

const rows = [];
for (const [contextSeconds, lookaheadFrames] of [[1, 3], [0.5, 3], [0.25, 3], [1, 2], [1, 6], [2, 3]]) {
  const y = await streamed({ contextSeconds, lookaheadFrames });
  const m = mel.compute(y);
  let d = 0;
  let n = 0;
  for (let t = 0; t < m.frames; t++) {
    if (energy[t] < emax * 1e-4) continue;
    for (let b = 0; b < 80; b++) d += Math.abs(m.data[b * m.frames + t] - refData[b * ref.frames + t]);
    n += 80;
  }
  const emb = await verifierEmbeddingOf(engine.verifier, y);
  rows.push({
    contextSeconds,
    lookaheadFrames,
    melL1: Math.round((d / n) * 1000) / 1000,
    verifierToTarget: emb && targetEmb ? Math.round(cosine(emb, targetEmb) * 1000) / 1000 : null,
    verifierToOffline: emb && offEmb ? Math.round(cosine(emb, offEmb) * 1000) / 1000 : null,
  });
}
console.log(JSON.stringify({
  seconds,
  voiceId,
  offlineVerifierToTarget: offEmb && targetEmb ? Math.round(cosine(offEmb, targetEmb) * 1000) / 1000 : null,
  sourceVerifierToTarget: srcEmb && targetEmb ? Math.round(cosine(srcEmb, targetEmb) * 1000) / 1000 : null,
  rows,
}));
await engine.dispose();
