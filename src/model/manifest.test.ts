import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/models';
import { FEATURE_CONTRACT } from './feature-contract';
import { loadBuiltinVoices, loadManifest } from './manifest';

const sha = 'a'.repeat(64);
const entry = (inputs: string[], outputs: string[]) => ({ file: 'x.onnx', sha256: sha, bytes: 1, inputs, outputs });
const good = {
  version: 1,
  features: { ...FEATURE_CONTRACT },
  f0Input: { center: 5, scale: 0.5 },
  embeddingDim: 2,
  contentChannels: 4,
  models: { content_encoder: entry(['mel'], ['content']), speaker_encoder: entry(['mel'], ['embedding']), decoder: entry(['content', 'embedding', 'f0'], ['mel']) },
  anomaly: { metric: 'm', quantiles: { '0.99': 0.5 }, utteranceQuantiles: { '0.99': 0.4 } },
};

function dirWith(files: Record<string, unknown>): string {
  const dir = tempDir('vs-manifest-');
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  return dir;
}

describe('manifest and voices loading', () => {
  it('reads a valid manifest', () => {
    const m = loadManifest(dirWith({ 'manifest.json': good }));
    expect(m.embeddingDim).toBe(2);
    expect(m.anomaly.quantiles['0.99']).toBe(0.5);
    expect(m.models.decoder.inputs).toEqual(['content', 'embedding', 'f0']);
  });

  it('fails with MODEL_ERROR naming what is wrong', () => {
    expect(() => loadManifest(dirWith({}))).toThrow(expect.objectContaining({ code: 'MODEL_ERROR', message: expect.stringMatching(/manifest\.json/) }));
    expect(() => loadManifest(dirWith({ 'manifest.json': '{oops' }))).toThrow(/not valid JSON/);
    const noDecoder = { ...good, models: { ...good.models, decoder: undefined } };
    expect(() => loadManifest(dirWith({ 'manifest.json': JSON.parse(JSON.stringify(noDecoder)) }))).toThrow(/decoder/);
    const badSha = { ...good, models: { ...good.models, decoder: { ...good.models.decoder, sha256: 'zz' } } };
    expect(() => loadManifest(dirWith({ 'manifest.json': badSha }))).toThrow(/sha256/);
  });

  it('validates and normalizes built-in voices', () => {
    const voice = { id: 'v1', name: 'V', licence: 'CC0', gender: 'female', embedding: [3, 4], f0: { mean: 5.3, std: 0.2 }, preview: 'assets/voices/v1.wav' };
    const [v] = loadBuiltinVoices(dirWith({ 'voices.json': { voices: [voice] } }), 2);
    expect(Array.from(v.embedding)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(() => loadBuiltinVoices(dirWith({ 'voices.json': { voices: [voice] } }), 3)).toThrow(/embedding of 3/);
    expect(() => loadBuiltinVoices(dirWith({ 'voices.json': { voices: [voice, voice] } }), 2)).toThrow(/twice/);
    expect(() => loadBuiltinVoices(dirWith({ 'voices.json': { voices: [{ ...voice, f0: {} }] } }), 2)).toThrow(/f0/);
  });

  it('treats the speaker verifier as optional: absent, or unusable with the reason, never fatal', () => {
    expect(loadManifest(dirWith({ 'manifest.json': good })).verifier).toBeNull();
    const verifier = { ...entry(['mel'], ['embedding']), embeddingDim: 3, calibration: { a: 18, b: -8, eerThreshold3s: 0.46 } };
    const m = loadManifest(dirWith({ 'manifest.json': { ...good, models: { ...good.models, verifier } } }));
    expect(m.verifier).toEqual({ embeddingDim: 3, sha256: sha, calibration: { a: 18, b: -8, eerThreshold3s: 0.46 } });
    const noCal = loadManifest(dirWith({ 'manifest.json': { ...good, models: { ...good.models, verifier: { ...verifier, calibration: { a: null, b: 1 } } } } }));
    expect(noCal.verifier).toBeNull();
    expect(noCal.verifierIssue).toMatch(/calibration/);
  });

  it("reads built-in voices' verifier embeddings when the export has a verifier, normalized; a wrong size is an export error", () => {
    const voice = { id: 'v1', name: 'V', embedding: [3, 4], f0: { mean: 5.3, std: 0.2 }, verifierEmbedding: [0, 3, 4] };
    const [v] = loadBuiltinVoices(dirWith({ 'voices.json': { voices: [voice] } }), 2, 3);
    expect(Array.from(v.verifierEmbedding!)).toEqual([0, expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    // Without a verifier in the manifest the field is ignored; a voice without one just has none.
    expect(loadBuiltinVoices(dirWith({ 'voices.json': { voices: [voice] } }), 2)[0].verifierEmbedding).toBeUndefined();
    expect(loadBuiltinVoices(dirWith({ 'voices.json': { voices: [{ ...voice, verifierEmbedding: undefined }] } }), 2, 3)[0].verifierEmbedding).toBeUndefined();
    expect(() => loadBuiltinVoices(dirWith({ 'voices.json': { voices: [voice] } }), 2, 4)).toThrow(/verifierEmbedding that is not 4/);
  });
});
