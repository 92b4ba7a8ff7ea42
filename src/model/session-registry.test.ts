// Loads the real exported graphs: sha256 verification, I/O names, an altered or missing file named in
// the error, dispose.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_MODELS, MODELS_DIR, NO_MODELS, tempDir } from '../test-support/models';
import { VoiceModel } from './inference';
import { REQUIRED_MODELS } from './manifest';
import { SessionRegistry } from './session-registry';

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the export (graphs, manifest, voices) in a temp dir, to damage. */
function copyModels(): string {
  const dir = tempDir('vs-models-');
  tmp.push(dir);
  for (const f of fs.readdirSync(MODELS_DIR)) {
    if (f.endsWith('.onnx') || f.endsWith('.json')) fs.copyFileSync(path.join(MODELS_DIR, f), path.join(dir, f));
  }
  return dir;
}

describe.skipIf(!HAVE_MODELS)(`SessionRegistry with the exported models${NO_MODELS}`, () => {
  it('verifies and opens the three graphs, which run on any length', async () => {
    const reg = await SessionRegistry.open(MODELS_DIR);
    try {
      expect(reg.loadMs).toBeGreaterThan(0);
      for (const name of REQUIRED_MODELS) expect(reg.has(name)).toBe(true);
      const model = new VoiceModel(reg);
      for (const T of [1, 37]) {
        const mel = new Float32Array(80 * T).fill(-4);
        const content = await model.content(mel, T);
        expect(content.length).toBe(model.contentChannels * T);
        const emb = await model.embed(mel, T);
        expect(Math.hypot(...emb)).toBeCloseTo(1, 3);
        const out = await model.decode(content, emb, model.f0Input(new Float32Array(T).fill(5), new Float32Array(T).fill(1)), T);
        expect(out.length).toBe(80 * T);
        expect(out.every(Number.isFinite)).toBe(true);
      }
    } finally {
      await reg.dispose();
    }
    await expect(reg.session('decoder')).rejects.toMatchObject({ code: 'MODEL_ERROR' });
  });

  it('detects an altered model file and names it', async () => {
    const dir = copyModels();
    const file = path.join(dir, 'decoder.onnx');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length >> 1] ^= 0x01; // flip one bit in the middle
    fs.writeFileSync(file, bytes);
    await expect(SessionRegistry.open(dir)).rejects.toMatchObject({ code: 'MODEL_ERROR', message: expect.stringMatching(/decoder\.onnx.*(damaged|altered)/) });
  });

  it('names a missing model file', async () => {
    const dir = copyModels();
    fs.rmSync(path.join(dir, 'speaker_encoder.onnx'));
    await expect(SessionRegistry.open(dir)).rejects.toMatchObject({ code: 'MODEL_ERROR', message: expect.stringMatching(/speaker_encoder\.onnx is missing/) });
  });

  it('refuses a graph whose inputs do not match the contract', async () => {
    const dir = copyModels();
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    m.models.speaker_encoder.file = m.models.content_encoder.file;
    m.models.speaker_encoder.sha256 = m.models.content_encoder.sha256;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(SessionRegistry.open(dir)).rejects.toMatchObject({ code: 'MODEL_ERROR', message: expect.stringMatching(/embedding missing/) });
  });
});
