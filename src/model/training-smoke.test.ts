// The training pipeline end to end in miniature (DESIGN §6): models/train/smoke.sh synthesizes a tiny
// espeak-ng corpus, trains a few steps and exports the three graphs; here onnxruntime-node loads that
// export through the app's own session registry (sha256, I/O names) and runs a conversion's model calls.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test-support/models';
import { logMel } from '../dsp/mel';
import { VoiceModel } from './inference';
import { compareWithVectors } from './onnx-vectors';
import { SessionRegistry } from './session-registry';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'voiceshift-smoke-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('training pipeline smoke test', () => {
  it('synthesizes, trains, exports, and the export runs in onnxruntime-node', async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'models', 'train', 'smoke.sh'), out], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
      timeout: 280_000,
    });
    for (const f of ['content_encoder.onnx', 'speaker_encoder.onnx', 'decoder.onnx', 'manifest.json', 'voices.json']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }

    for (const c of await compareWithVectors(out)) {
      expect(c.dimsMatch, c.output).toBe(true);
      expect(c.maxAbsDiff, c.output).toBeLessThanOrEqual(1e-4);
    }

    const registry = await SessionRegistry.open(out);
    try {
      const model = new VoiceModel(registry);
      const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 180 * i) / 16000));
      const mel = logMel(tone);
      const content = await model.content(mel.data, mel.frames);
      expect(content.length).toBe(model.contentChannels * mel.frames);
      const embedding = await model.embed(mel.data, mel.frames);
      expect(embedding.length).toBe(model.embeddingDim);
      const norm = Math.hypot(...embedding);
      expect(norm).toBeCloseTo(1, 3);
      const f0 = new Float32Array(2 * mel.frames);
      const rebuilt = await model.decode(content, embedding, f0, mel.frames);
      expect(rebuilt.length).toBe(80 * mel.frames);
      expect(rebuilt.every(Number.isFinite)).toBe(true);
    } finally {
      await registry.dispose();
    }
  }, 300_000);
});
