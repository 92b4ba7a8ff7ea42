// ONNX-vs-PyTorch parity: the training export writes models/testdata/onnx_vectors.json (inputs and
// PyTorch outputs); onnxruntime-node must reproduce every float output within 1e-4.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../convert/test-support';
import { loadManifest } from './manifest';

const VECTORS = path.join(MODELS_DIR, 'testdata', 'onnx_vectors.json');
const HAVE = fs.existsSync(VECTORS);

interface Vec {
  dims: number[];
  dtype?: string;
  data: number[];
}

describe.skipIf(!HAVE)(`ONNX parity with PyTorch${HAVE ? '' : ` [SKIPPED: ${VECTORS} does not exist yet]`}`, () => {
  it('reproduces the PyTorch outputs within 1e-4', async () => {
    const manifest = loadManifest(MODELS_DIR);
    const vec = JSON.parse(fs.readFileSync(VECTORS, 'utf8')) as Record<string, unknown> & { inputs: Record<string, Vec> };
    let checked = 0;
    for (const [name, m] of Object.entries(manifest.models)) {
      const expected = vec[name] as { outputs: Record<string, Vec> } | undefined;
      if (!expected) continue;
      const session = await ort.InferenceSession.create(path.join(MODELS_DIR, m.file));
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const input of m.inputs) {
          const key = input === 'content' && name.endsWith('_vq') ? 'content_vq' : input;
          const v = vec.inputs[key];
          feeds[input] = new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
        }
        const out = await session.run(feeds);
        for (const [oname, exp] of Object.entries(expected.outputs)) {
          const got = out[oname];
          expect(Array.from(got.dims), `${name}.${oname} dims`).toEqual(exp.dims);
          if (exp.dtype === 'int64') continue; // codebook indices: ties may flip, the float outputs are the check
          let worst = 0;
          const data = got.data as Float32Array;
          for (let i = 0; i < exp.data.length; i++) worst = Math.max(worst, Math.abs(data[i] - exp.data[i]));
          expect(worst, `${name}.${oname} max abs diff`).toBeLessThanOrEqual(1e-4);
          checked++;
        }
      } finally {
        await session.release();
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
