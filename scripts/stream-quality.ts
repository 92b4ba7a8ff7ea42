// Streaming vs offline conversion of the same speech (issue 16's quality question in the app's own engine;
// the real-speech held-out figures come from `eval_real --stream-ckpt`): for each setting (graphs, left
// context, lookahead) the StreamingConverter's output is compared with the SAME graph pair converting the
// whole clip at once through the offline pipeline, with the same synthesis (the plain source-filter, 1 pass),
// input gain and source F0 statistics, so what differs is only the block-wise running: for the streaming
// pair (causal, per-frame norm) the provisional last mel frames inside the lookahead; for the offline graphs
// over a window also the instance normalization over the window and the missing right context:
//   melL1       mean |log-mel difference| over active frames (natural log units);
//   verifier    cosine of each output's speaker-verifier embedding to the target voice's (the meter's
//               embedding, a separately trained network), and to the whole-clip output's.
//   node --import tsx scripts/stream-quality.ts [--seconds 30] [--voice ID] [--models DIR]
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src/engine/engine.js';
import { f0Blocked, f0Stats } from '../src/pipeline/pitch.js';
import { inputGain } from '../src/pipeline/frames.js';
import { convertAudio } from '../src/pipeline/pipeline.js';
import { cosine } from '../src/pipeline/similarity.js';
import { verifierEmbeddingOf } from '../src/quality-gate/speaker-meter.js';
import type { VoiceModel } from '../src/model/inference.js';
import { cathySeconds } from '../src/test-support/models.js';
import { streamThrough } from '../src/test-support/stream.js';
import { activeLogMelL1 } from '../src/stream/fidelity.js';
import { plainSourceFilterVocoder, StreamingConverter, type StreamGraphs, type StreamOptions } from '../src/stream/streaming-converter.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const seconds = Number(flag('seconds', '30'));
const engine = await Engine.load({ root, modelsDir: flag('models', path.join(root, 'models')), userDataDir: path.join(os.tmpdir(), `vs-stream-q-${process.pid}`) });
const voiceId = flag('voice', engine.library.list()[0].id);
const target = engine.resolveTarget([{ voiceId, weight: 1 }]);
const source = (await cathySeconds(seconds, 3)).channels[0];
const gain = inputGain(source);
const track = f0Blocked(source, undefined, gain);
const stats = f0Stats(track.logF0, track.voiced);
const vocoder = plainSourceFilterVocoder(1);
const targetEmb = target.verifier && 'embedding' in target.verifier ? target.verifier.embedding : null;
const srcEmb = await verifierEmbeddingOf(engine.verifier, source);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A graph pair's conversion of the whole clip at once: what its streamed output is compared with. */
async function wholeClip(model: VoiceModel): Promise<{ audio: Float32Array; emb: Float32Array | null }> {
  const out = await convertAudio(model, source, target, { vocoder, similarity: false, matchLoudness: false, inputGain: gain });
  return { audio: out.audio, emb: await verifierEmbeddingOf(engine.verifier, out.audio) };
}
const pair = engine.converter.streaming();
const whole = { offline: await wholeClip(engine.converter), streaming: pair ? await wholeClip(pair.model) : null };

async function streamed(options: StreamOptions): Promise<Float32Array> {
  const conv = new StreamingConverter(engine.converter, target, { ...options, vocoder, inputGain: gain, sourceF0: stats, matchLevel: false, dropWhenBehind: false });
  const out = await streamThrough(conv, source, conv.config.blockSamples);
  conv.dispose();
  return out.subarray(conv.config.delaySamples);
}

const rows = [];
const settings: [StreamGraphs, number, number][] = [
  ['streaming', 1, 3], ['streaming', 0.25, 3], ['streaming', 0.25, 4], ['streaming', 0.25, 5], ['streaming', 0.25, 2],
  ['offline', 1, 3], ['offline', 0.5, 3], ['offline', 1, 6], ['offline', 2, 3],
];
for (const [graphs, contextSeconds, lookaheadFrames] of settings) {
  const ref = whole[graphs];
  if (!ref) continue;
  const y = await streamed({ graphs, contextSeconds, lookaheadFrames });
  const emb = await verifierEmbeddingOf(engine.verifier, y);
  rows.push({
    graphs,
    contextSeconds,
    lookaheadFrames,
    melL1: round3(activeLogMelL1(ref.audio, y)),
    verifierToTarget: emb && targetEmb ? round3(cosine(emb, targetEmb)) : null,
    verifierToWholeClip: emb && ref.emb ? round3(cosine(emb, ref.emb)) : null,
  });
}
console.log(JSON.stringify({
  seconds,
  voiceId,
  wholeClipVerifierToTarget: Object.fromEntries(Object.entries(whole).map(([k, w]) => [k, w?.emb && targetEmb ? round3(cosine(w.emb, targetEmb)) : null])),
  sourceVerifierToTarget: srcEmb && targetEmb ? round3(cosine(srcEmb, targetEmb)) : null,
  rows,
}));
await engine.dispose();
