// Conversion with the real exported models and real speech (the in-repo CC0 Cathy clips, female):
// to a built-in voice of the other gender and to a one-shot reference of a held-out speaker, the
// output must end closer to the target than to the source by speaker similarity; a blend of two voices
// must land between them; the pitch control must move F0; cancel must stop within a chunk; enrollment
// must refuse unusable references. Few Griffin-Lim iterations keep it quick: similarity is measured
// on the vocoded audio, so this is the honest end-to-end check.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AudioData } from '../api/types';
import { decodeAudioFile } from '../audio/decode';
import { f0Yin } from '../dsp/f0';
import { Engine } from './engine';
import type { TargetVoice } from '../pipeline/pipeline';
import { cosine } from '../pipeline/similarity';
import { loudnessLufs } from '../quality-gate/analyze';
import { resolveVerifierTarget, verifierEmbeddingOf } from '../quality-gate/speaker-meter';
import { toModelAudio } from '../pipeline/model-audio';
import { tone } from '../test-support/dsp';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, noise, REPO_ROOT, sharedEngine, tempDir } from '../test-support/models';


const ready = HAVE_MODELS && HAVE_CATHY;
const why = NO_MODELS || (HAVE_CATHY ? '' : ' [SKIPPED: fixtures/cathy is missing from the checkout]');

/** Speech of an unseen male speaker: flite's rms voice is held out of training (espeak-ng as a fallback). */
function heldOutReferenceFile(): string | null {
  const dir = tempDir('vs-ref-');
  const wav = path.join(dir, 'ref.wav');
  const sentence = 'The quick brown fox jumps over the lazy dog, and then it runs far away into the quiet green forest.';
  const attempts: [string, string[]][] = [
    ['flite', ['-voice', 'rms', '-t', sentence, '-o', wav]],
    ['espeak-ng', ['-v', 'en-us+m2', '-w', wav, sentence]],
  ];
  for (const [cmd, args] of attempts) {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.status === 0 && fs.existsSync(wav) && fs.statSync(wav).size > 1000) return wav;
  }
  return null;
}

/**
 * Median F0 of converted speech. Griffin-Lim output is breathier than the speech the engine's tracker is
 * tuned for (threshold 0.15 finds few voiced frames in it), so the periodicity of the output is measured
 * with a looser threshold: the question here is which pitch the voice has, not how clean it is.
 */
function medianF0Hz(x: Float32Array): number {
  const t = f0Yin(x, { threshold: 0.4 });
  const v: number[] = [];
  for (let i = 0; i < t.frames; i++) if (t.voiced[i] > 0) v.push(Math.exp(t.logF0[i]));
  v.sort((a, b) => a - b);
  return v.length ? v[v.length >> 1] : NaN;
}

describe.skipIf(!ready)(`conversion with the exported models${why}`, () => {
  let engine: Engine;
  let source: AudioData;
  let sourceEmb: Float32Array;
  let refAudio: AudioData | null = null;
  const embedOf = (a: AudioData): Promise<Float32Array> => engine.embedAudio(a);
  /** The verifier's cosine of the unconverted source to a target: what a conversion has to beat. */
  const unconvertedToTarget = async (t: TargetVoice): Promise<number> => {
    const te = (await resolveVerifierTarget(t.verifier)) as { embedding: Float32Array };
    return cosine((await verifierEmbeddingOf(engine.verifier, source.channels[0]))!, te.embedding);
  };

  beforeAll(async () => {
    engine = await sharedEngine();
    source = await cathySeconds(4);
    sourceEmb = await engine.embedAudio(source);
    const refFile = heldOutReferenceFile();
    if (refFile) {
      const d = await decodeAudioFile(refFile);
      refAudio = { sampleRate: d.sampleRate, channels: d.channels };
    }
  });

  /** A built-in voice of `gender` other than the source speaker, preferring the most natural (RHVoice) ones. */
  function voiceOfGender(gender: 'male' | 'female'): string {
    const all = engine.library.list().filter((x) => x.kind === 'builtin' && x.gender === gender && !x.id.startsWith('cathy'));
    const v = all.find((x) => x.id === (gender === 'male' ? 'rhvoice-bdl' : 'rhvoice-slt')) ?? all.find((x) => x.id.startsWith('rhvoice')) ?? all[0];
    if (!v) throw new Error(`voices.json has no ${gender} built-in voice`);
    return v.id;
  }

  it('converts female speech to a male built-in voice: closer to the target than to the source', async () => {
    const id = voiceOfGender('male');
    const target = engine.library.require(id).target;
    const r = await engine.convert(source, target, { quality: 'fast' });
    const out = r.audio.channels[0];
    expect(out.length).toBe(source.channels[0].length);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(0.945);
    // as loud as the source (the gain comes from the DSP thread, applied after the meter read the result)
    expect(Math.abs(loudnessLufs([out], 16000) - loudnessLufs([toModelAudio(source)], 16000))).toBeLessThan(1);
    expect(Object.keys(r.timings)).toEqual(expect.arrayContaining(['contentEncoder', 'decoder', 'vocoder', 'loudness', 'total']));
    const before = await unconvertedToTarget(target);
    console.info(`built-in ${id}: verifier cosine to target ${r.similarity.toTarget.cosine} (unconverted ${before.toFixed(3)}), to source ${r.similarity.toSource.cosine}`);
    expect(r.similarity.toTarget.cosine!).toBeGreaterThan(before);
  });

  it('converts toward a one-shot reference of an unseen speaker: closer to the reference than to the source', async () => {
    if (!refAudio) {
      console.warn('SKIPPED one-shot: neither flite nor espeak-ng could synthesize a reference');
      return;
    }
    const ref = await engine.targetFromReference(refAudio);
    const r = await engine.convert(source, ref, { quality: 'fast' });
    const outEmb = await embedOf(r.audio);
    const toRef = cosine(outEmb, ref.embedding);
    const toSrc = cosine(outEmb, sourceEmb);
    console.info(`one-shot: similarity to reference ${toRef.toFixed(3)}, to source ${toSrc.toFixed(3)} (verifier meter: ${r.similarity.toTarget.verdict}/${r.similarity.toSource.verdict})`);
    expect(toRef).toBeGreaterThan(toSrc);
  });

  it('puts a 50/50 blend of two voices between them', async () => {
    const a = engine.library.require(voiceOfGender('male')).target;
    const b = engine.library.require(voiceOfGender('female')).target;
    const mix = engine.resolveTarget([
      { voiceId: voiceOfGender('male'), weight: 1 },
      { voiceId: voiceOfGender('female'), weight: 1 },
    ]);
    const emb = async (t: TargetVoice) => embedOf((await engine.convert(source, t, { quality: 'fast' })).audio);
    const [ea, eb, em] = [await emb(a), await emb(b), await emb(mix)];
    const simA = [cosine(eb, a.embedding), cosine(em, a.embedding), cosine(ea, a.embedding)];
    const simB = [cosine(ea, b.embedding), cosine(em, b.embedding), cosine(eb, b.embedding)];
    console.info(`blend: to A (B-out, mix-out, A-out) ${simA.map((s) => s.toFixed(3)).join(' ')}; to B (A-out, mix-out, B-out) ${simB.map((s) => s.toFixed(3)).join(' ')}`);
    expect(simA[1]).toBeGreaterThan(simA[0]);
    expect(simA[1]).toBeLessThan(simA[2]);
    expect(simB[1]).toBeGreaterThan(simB[0]);
    expect(simB[1]).toBeLessThan(simB[2]);
  });

  it("follows the target voice's pitch range and the pitch control", async () => {
    // Within the F0 range the model was trained on (voice means ~80-200 Hz): a male target sounds lower
    // than a female one, and +7 semitones on the male target raises F0 by about 2^(7/12) = 1.50.
    const male = engine.library.require(voiceOfGender('male')).target;
    const female = engine.library.require(voiceOfGender('female')).target;
    const f0 = async (t: TargetVoice, st: number) => medianF0Hz((await engine.convert(source, t, { quality: 'fast', pitchSemitones: st })).audio.channels[0]);
    const [m0, f00, m7] = [await f0(male, 0), await f0(female, 0), await f0(male, 7)];
    const expectedRange = Math.exp(male.f0.mean - female.f0.mean);
    console.info(`pitch: male ${m0.toFixed(0)} Hz, female ${f00.toFixed(0)} Hz (target ratio ${expectedRange.toFixed(2)}), male +7 st ${m7.toFixed(0)} Hz (ratio ${(m7 / m0).toFixed(2)}, ideal 1.50)`);
    expect(m0 / f00).toBeLessThan(Math.min(0.9, expectedRange + 0.15));
    expect(m7 / m0).toBeGreaterThan(1.25);
    expect(m7 / m0).toBeLessThan(1.8);
  });

  it('uses the discrete (VQ) content path when asked, or says the export has none', async () => {
    const load = Engine.load({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: tempDir('vs-vq-'), contentVariant: 'vq' });
    if (!(engine.model.registry.has('content_encoder_vq') && engine.model.registry.has('decoder_vq'))) {
      await expect(load).rejects.toMatchObject({ code: 'MODEL_ERROR', message: expect.stringMatching(/no discrete/) });
      return;
    }
    const vq = await load;
    try {
      const target = vq.library.require(voiceOfGender('male')).target;
      const r = await vq.convert(source, target, { quality: 'fast' });
      const before = await unconvertedToTarget(target);
      console.info(`vq: verifier cosine to target ${r.similarity.toTarget.cosine} (unconverted ${before.toFixed(3)}), to source ${r.similarity.toSource.cosine}`);
      expect(r.audio.channels[0].length).toBe(source.channels[0].length);
      expect(r.variant).toBe('vq');
      expect(r.similarity.toTarget.cosine!).toBeGreaterThan(before);
    } finally {
      await vq.dispose();
    }
  });

  it('converts long input in crossfaded chunks to the full length', async () => {
    const long = await cathySeconds(7);
    const target = engine.library.require(voiceOfGender('male')).target;
    const stages: number[] = [];
    const r = await engine.convert(long, target, { quality: 'fast', chunkSeconds: 2.5, onProgress: (p) => stages.push(p.chunk) });
    expect(r.audio.channels[0].length).toBe(long.channels[0].length);
    expect(r.audio.channels[0].every(Number.isFinite)).toBe(true);
    expect(Math.max(...stages)).toBeGreaterThanOrEqual(2);
  });

  it('cancels within one chunk', async () => {
    const long = await cathySeconds(10);
    const target = engine.library.require(voiceOfGender('male')).target;
    const controller = new AbortController();
    let lastChunk = -1;
    const started = performance.now();
    const run = engine.convert(long, target, {
      quality: 'fast',
      chunkSeconds: 2,
      signal: controller.signal,
      onProgress: (p) => {
        lastChunk = p.chunk;
        if (p.chunk === 1 && p.stage === 'decoder') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(lastChunk).toBeLessThanOrEqual(1);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('refuses unusable references with a plain reason', async () => {
    const speech = await cathySeconds(5);
    const cases: [string, AudioData, RegExp][] = [
      ['too short', await cathySeconds(0.6), /too short/],
      ['too long', { sampleRate: 8000, channels: [new Float32Array(8000 * 31).fill(0.1)] }, /too long/],
      ['silent', { sampleRate: 16000, channels: [new Float32Array(16000 * 5)] }, /silent/],
      ['clipped', { sampleRate: 16000, channels: [speech.channels[0].map((v) => Math.max(-0.6, Math.min(0.6, v * 30)) / 0.6)] }, /clipped/],
      ['noise', { sampleRate: 16000, channels: [noise(5, 0.3)] }, /noise/],
    ];
    for (const [what, audio, reason] of cases) {
      await expect(engine.targetFromReference(audio), what).rejects.toMatchObject({ code: 'BAD_AUDIO', message: expect.stringMatching(reason) });
    }
  });

  it('takes a one-shot reference from about a second with a warning, but keeps only 3 s or more in the library', async () => {
    const short = await cathySeconds(1.6);
    const t = await engine.targetFromReference(short);
    expect(t.warnings.join(' ')).toMatch(/short \(1\.6 s\)/);
    expect(t.embedding.length).toBeGreaterThan(0);
    const long = await engine.targetFromReference(await cathySeconds(4));
    expect(long.warnings).toEqual([]);
    await expect(engine.targetFromReference(short, undefined, 'library')).rejects.toMatchObject({ code: 'BAD_AUDIO', message: expect.stringMatching(/too short .* 3 to 30 seconds/) });
  });

  it('analyzes real speech as usable and white noise as not', async () => {
    const good = await engine.analyze(source);
    console.info(`analyze cathy: verdict ${good.verdict}, mean anomaly ${good.anomaly.meanScore}, reasons: ${good.reasons.join(' | ')}`);
    expect(good.anomaly.scores.length).toBe(1 + Math.floor(source.channels[0].length / 256));
    expect(good.verdict).not.toBe('reject');
    const bad = await engine.analyze({ sampleRate: 16000, channels: [noise(3, 0.2)] });
    expect(bad.verdict).toBe('reject');
  });

  it('marks a loud noise burst and a tone between utterances, which the autoencoder alone reconstructs well', async () => {
    const speech = (await cathySeconds(6)).channels[0];
    const clean = await engine.analyze({ sampleRate: 16000, channels: [speech] });
    expect(clean.flagged.filter((r) => /broadband noise|steady tone/.test(r.reason))).toEqual([]);
    for (const [what, insert, reason] of [['noise', noise(1, 0.3), /broadband noise/], ['tone', tone(1000, 1, 16000, 0.3), /steady tone/]] as const) {
      const audio = new Float32Array(speech.length + insert.length);
      audio.set(speech.subarray(0, 3 * 16000));
      audio.set(insert, 3 * 16000);
      audio.set(speech.subarray(3 * 16000), 4 * 16000);
      const r = await engine.analyze({ sampleRate: 16000, channels: [audio] });
      console.info(`analyze speech + 1 s ${what}: verdict ${r.verdict}, regions ${JSON.stringify(r.flagged)}`);
      const hit = r.flagged.find((f) => reason.test(f.reason));
      expect(hit, what).toBeDefined();
      expect(hit!.start, what).toBeGreaterThan(2.9);
      expect(hit!.end, what).toBeLessThan(4.1);
      expect(hit!.end - hit!.start, what).toBeGreaterThan(0.8);
      expect(r.verdict, what).not.toBe('ok');
    }
  });
});
