// The "sounds like" meter with the real exported models (issue 13): the converter grading itself read
// 1.00 on white noise, so here white noise, silence and pure tones converted to a voice must never
// come out 'likely' (noise and silence: not shown at all, with a reason), real speech converted to a
// voice of the other gender must score closer to the target than the unconverted speech does, and every
// kind of target (built-in, enrolled, enrolled before the meter existed, one-shot, blend) gets a
// verifier embedding. Voices are picked from the list, never by id: the export changes them.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AudioData, VoiceInfo } from '../api/types';
import { readVersionInfo } from '../version';
import { Engine } from '../engine/engine';
import { cosine } from '../pipeline/similarity';
import { resolveVerifierTarget, verifierEmbeddingOf } from './speaker-meter';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, noise, REPO_ROOT, sharedEngine, tempDir } from '../test-support/models';


const ready = HAVE_MODELS && HAVE_CATHY;

function tone(hz: number, seconds = 4, amp = 0.3): AudioData {
  const x = new Float32Array(Math.round(16000 * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / 16000);
  return { sampleRate: 16000, channels: [x] };
}

describe.skipIf(!ready)(`the speaker-verifier meter${NO_MODELS}`, () => {
  let engine: Engine;
  let speech: AudioData;
  /** Built-in voices with a verifier embedding, by gender (the source speech, Cathy, is female). */
  let male: VoiceInfo[];
  let female: VoiceInfo[];

  beforeAll(async () => {
    engine = await sharedEngine();
    speech = await cathySeconds(4);
    const withVerifier = engine.library
      .list()
      .filter((v) => v.kind === 'builtin' && !/cathy/i.test(`${v.id} ${v.name}`))
      .filter((v) => {
        const t = engine.library.require(v.id).target.verifier;
        return !!t && 'embedding' in t;
      });
    male = withVerifier.filter((v) => v.gender === 'male');
    female = withVerifier.filter((v) => v.gender === 'female');
  });

  it('converts with an export that has no verifier, and the meter says it is unavailable rather than guessing', async () => {
    // The same export without its verifier entry (graph files linked, not copied).
    const dir = tempDir('vs-no-verifier-');
    const manifest = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, 'manifest.json'), 'utf8'));
    delete manifest.models.verifier;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    fs.copyFileSync(path.join(MODELS_DIR, 'voices.json'), path.join(dir, 'voices.json'));
    for (const m of Object.values(manifest.models) as { file: string }[]) fs.symlinkSync(path.join(MODELS_DIR, m.file), path.join(dir, m.file));
    expect(readVersionInfo(REPO_ROOT, 'direct', dir).capabilities.verifier).toBe(false);
    const bare = await Engine.load({ root: REPO_ROOT, modelsDir: dir, userDataDir: tempDir('vs-no-verifier-data-') });
    try {
      expect(bare.verifier.available).toBe(false);
      const r = await bare.convert(speech, bare.resolveTarget([{ voiceId: bare.library.list()[0].id, weight: 1 }]), { quality: 'fast' });
      expect(r.audio.channels[0].length).toBe(speech.channels[0].length);
      expect(r.similarity.toTarget).toMatchObject({ verdict: null, cosine: null, reason: expect.stringMatching(/no speaker verifier/) });
      expect(r.similarity.toSource.verdict).toBeNull();
      // Enrollment still works and stores no verifier embedding.
      const info = await bare.enroll('No meter', await cathySeconds(5, 2));
      expect(bare.resolveTarget([{ voiceId: info.id, weight: 1 }]).verifier).toEqual({ missing: expect.stringMatching(/no speaker verifier/) });
    } finally {
      await bare.dispose();
    }
  }, 300_000);

  it('never calls white noise, silence or pure tones converted to a voice "likely"; noise and silence are not shown', async () => {
    if (!engine.verifier.available) return;
    expect(male.length + female.length).toBeGreaterThan(0);
    const voices = [male[0], female[0]].filter(Boolean);
    const inputs: [string, AudioData, boolean][] = [
      ['white noise', { sampleRate: 16000, channels: [noise(4, 0.3, 7)] }, true],
      ['quiet noise', { sampleRate: 16000, channels: [noise(4, 0.003, 8)] }, true],
      ['silence', { sampleRate: 16000, channels: [new Float32Array(64000)] }, true],
      ['tone 120 Hz', tone(120), false],
      ['tone 220 Hz', tone(220), false],
      ['tone 440 Hz', tone(440), false],
    ];
    for (const v of voices) {
      const target = engine.resolveTarget([{ voiceId: v.id, weight: 1 }]);
      for (const [name, audio, hidden] of inputs) {
        const r = await engine.convert(audio, target, { quality: 'fast' });
        const { toTarget, toSource } = r.similarity;
        console.info(`${name} -> ${v.name}: target ${toTarget.verdict ?? 'not shown'} (cos ${toTarget.cosine}), source ${toSource.verdict ?? 'not shown'}; ${toTarget.reason ?? ''}`);
        expect(toTarget.verdict, `${name} -> ${v.name}`).not.toBe('likely');
        expect(toSource.verdict, `${name} -> ${v.name}`).not.toBe('likely');
        if (hidden) {
          expect(toTarget.verdict, `${name} -> ${v.name}`).toBeNull();
          expect(toTarget.reason, `${name} -> ${v.name}`).toBeTruthy();
        }
      }
    }
  }, 600_000);

  it('scores real speech converted to a voice of the other gender closer to the target than the unconverted speech', async () => {
    if (!engine.verifier.available) return;
    const v = male[0];
    expect(v, 'a male built-in voice with a verifier embedding').toBeDefined();
    const target = engine.resolveTarget([{ voiceId: v.id, weight: 1 }]);
    const targetEmb = (await resolveVerifierTarget(target.verifier)) as { embedding: Float32Array };
    const sourceEmb = (await verifierEmbeddingOf(engine.verifier, speech.channels[0]))!;
    const before = cosine(sourceEmb, targetEmb.embedding);
    const r = await engine.convert(speech, target, { quality: 'fast' });
    const { toTarget, toSource } = r.similarity;
    console.info(`speech -> ${v.name}: unconverted ${before.toFixed(3)}; result to target ${toTarget.cosine} (p ${toTarget.probability}, ${toTarget.verdict}), to source ${toSource.cosine} (${toSource.verdict})`);
    expect(toTarget.verdict).not.toBeNull();
    expect(toSource.verdict).not.toBeNull();
    expect(toTarget.cosine!).toBeGreaterThan(before);
    expect(toTarget.probability!).toBeGreaterThanOrEqual(0);
    expect(toTarget.probability!).toBeLessThanOrEqual(1);
  }, 300_000);

  it('gives enrolled (also older), one-shot and blended targets a verifier embedding', async () => {
    if (!engine.verifier.available) return;
    const ref = await cathySeconds(6, 5);
    const oneShot = await engine.targetFromReference(ref);
    expect(oneShot.verifier && 'embedding' in oneShot.verifier).toBe(true);

    const info = await engine.enroll(`Meter ${Date.now()}`, ref);
    const stored = engine.library.require(info.id).target.verifier as { embedding: Float32Array };
    expect(stored.embedding.length).toBe(engine.verifier.info!.embeddingDim);
    expect(cosine(stored.embedding, (oneShot.verifier as { embedding: Float32Array }).embedding)).toBeGreaterThan(0.99);

    // A record written before the meter existed: no verifier field. Its embedding comes from the preview.
    const dir = path.dirname(engine.library.file);
    for (const file of [engine.library.file, path.join(dir, 'voices', `${info.id}.json`)]) {
      const text = fs.readFileSync(file, 'utf8');
      const data = JSON.parse(text);
      for (const r of data.voices ?? [data]) if (r.id === info.id) delete r.verifier;
      fs.writeFileSync(file, JSON.stringify(data));
    }
    const old = engine.resolveTarget([{ voiceId: info.id, weight: 1 }]);
    expect(old.verifier && 'pending' in old.verifier).toBe(true);
    const fromPreview = (await resolveVerifierTarget(old.verifier)) as { embedding: Float32Array };
    console.info(`enrolled voice: stored vs from-preview verifier embedding cosine ${cosine(fromPreview.embedding, stored.embedding).toFixed(3)}`);
    expect(cosine(fromPreview.embedding, stored.embedding)).toBeGreaterThan(0.7);

    const [a, b] = [male[0], female[0]];
    const blend = engine.resolveTarget([
      { voiceId: a.id, weight: 1 },
      { voiceId: b.id, weight: 1 },
    ]);
    const ea = (engine.library.require(a.id).target.verifier as { embedding: Float32Array }).embedding;
    const eb = (engine.library.require(b.id).target.verifier as { embedding: Float32Array }).embedding;
    const mid = Float32Array.from(ea, (x, i) => x + eb[i]);
    expect(cosine((blend.verifier as { embedding: Float32Array }).embedding, mid)).toBeCloseTo(1, 5);
  }, 300_000);
});
