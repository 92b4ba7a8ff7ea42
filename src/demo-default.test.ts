// The app's default target voice (app/lib/default-voice.ts) against the shipped model: assets/demo/demo.json
// describes the demo clip's speaker as the engine's own pitch tracker hears it, and the voice picked from
// the engine's list for that speaker is another gender, clearly apart in pitch, and converting the demo
// clip to it moves the result toward that voice (by the speaker verifier, against the unconverted demo). No voice id is assumed: the list changes with
// each model.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastingVoice, MIN_PITCH_GAP_SEMITONES, type SpeakerTraits } from '../app/lib/default-voice';
import { decodeAudioFile } from './audio/decode';
import type { Engine } from './engine/engine';
import { HAVE_MODELS, NO_MODELS, REPO_ROOT, sharedEngine } from './test-support/models';
import { toModelAudio } from './pipeline/model-audio';
import { cosine } from './pipeline/similarity';
import { resolveVerifierTarget, verifierEmbeddingOf } from './quality-gate/speaker-meter';
import { f0Yin } from './dsp/f0';

const demo = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'assets', 'demo', 'demo.json'), 'utf8')) as { file: string; speaker: SpeakerTraits };
const gap = (a: number, b: number): number => Math.abs(12 * Math.log2(a / b));

describe('assets/demo/demo.json', () => {
  it("states the demo speaker's mean F0 as the app's own pitch tracker measures it (within half a semitone)", async () => {
    const clip = await decodeAudioFile(path.join(REPO_ROOT, 'assets', 'demo', demo.file));
    const track = f0Yin(clip.channels[0], { sampleRate: clip.sampleRate });
    let sum = 0;
    let n = 0;
    for (let i = 0; i < track.frames; i++) if (track.voiced[i]) [sum, n] = [sum + track.logF0[i], n + 1];
    expect(n).toBeGreaterThan(50);
    expect(gap(Math.exp(sum / n), demo.speaker.meanF0Hz)).toBeLessThan(0.5);
  });
});

describe.skipIf(!HAVE_MODELS)(`the default voice with the shipped model${NO_MODELS}`, () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await sharedEngine();
  });
  afterAll(() => engine?.dispose());

  it('is another gender, clearly lower or higher, and converting the demo clip to it moves toward that voice', async () => {
    const voices = engine.library.list();
    const pick = contrastingVoice(voices, demo.speaker);
    expect(pick).not.toBeNull();
    expect(pick!.kind).toBe('builtin');
    expect(pick!.gender).not.toBe(demo.speaker.gender);
    expect(gap(pick!.meanF0Hz!, demo.speaker.meanF0Hz)).toBeGreaterThanOrEqual(MIN_PITCH_GAP_SEMITONES);

    const clip = await decodeAudioFile(path.join(REPO_ROOT, 'assets', 'demo', demo.file));
    const target = engine.resolveTarget([{ voiceId: pick!.id, weight: 1 }]);
    const result = await engine.convert({ sampleRate: clip.sampleRate, channels: clip.channels }, target, {});
    // The unconverted demo against the same target: the conversion must move the voice toward it.
    const targetEmb = (await resolveVerifierTarget(target.verifier)) as { embedding?: Float32Array };
    const demoEmb = await verifierEmbeddingOf(engine.verifier, toModelAudio({ sampleRate: clip.sampleRate, channels: clip.channels }));
    const before = targetEmb.embedding && demoEmb ? cosine(demoEmb, targetEmb.embedding) : NaN;
    console.info(`default voice for the demo: ${pick!.id} (${pick!.gender}, ${pick!.meanF0Hz} Hz); sounds like the target ${result.similarity.toTarget.verdict} (verifier cosine ${result.similarity.toTarget.cosine}; the unconverted demo ${before.toFixed(3)}), like the source ${result.similarity.toSource.verdict} (${result.similarity.toSource.cosine})`);
    expect(result.similarity.toTarget.verdict).not.toBeNull();
    expect(result.similarity.toTarget.cosine!).toBeGreaterThan(before);
  }, 120_000);
});
