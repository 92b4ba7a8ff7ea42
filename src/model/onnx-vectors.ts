// Checks an export against the PyTorch outputs the training export wrote next to it
// (testdata/onnx_vectors.json): used by the parity test of the shipped models and by the training
// smoke test, so both apply the same rule (every float output within a tolerance).
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadManifest } from './manifest.js';

interface Vec {
  dims: number[];
  dtype?: string;
  data: number[];
}

/** One compared output. */
export interface VectorCheck {
  output: string;
  dimsMatch: boolean;
  maxAbsDiff: number;
}

/**
 * The recorded input a graph is fed: its own (`<graph>.<input>`, e.g. a step graph's state) when the vectors
 * have one; else a variant's decoder (decoder_vq) reads the content its own encoder produced (content_vq);
 * everything else reads the input of its name.
 */
function inputKey(inputs: Record<string, Vec>, graph: string, input: string): string {
  if (inputs[`${graph}.${input}`]) return `${graph}.${input}`;
  return input === 'content' && graph.startsWith('decoder_') ? `content_${graph.slice('decoder_'.length)}` : input;
}

/** Path of the vectors file of an export. */
export function vectorsPath(modelsDir: string): string {
  return path.join(modelsDir, 'testdata', 'onnx_vectors.json');
}

/**
 * Runs every graph of the manifest in `modelsDir` on the recorded inputs and compares its float
 * outputs with PyTorch's. Integer outputs (VQ code indices) are compared by shape only, since ties may flip.
 */
export async function compareWithVectors(modelsDir: string): Promise<VectorCheck[]> {
  const manifest = loadManifest(modelsDir);
  const vec = JSON.parse(fs.readFileSync(vectorsPath(modelsDir), 'utf8')) as Record<string, unknown> & {
    inputs: Record<string, Vec>;
  };
  const checks: VectorCheck[] = [];
  for (const [name, m] of Object.entries(manifest.models)) {
    const expected = vec[name] as { outputs: Record<string, Vec> } | undefined;
    if (!expected) continue;
    const session = await ort.InferenceSession.create(path.join(modelsDir, m.file));
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of m.inputs) {
        const key = inputKey(vec.inputs, name, input);
        const v = vec.inputs[key];
        feeds[input] = new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
      }
      const out = await session.run(feeds);
      for (const [oname, exp] of Object.entries(expected.outputs)) {
        const got = out[oname];
        const dimsMatch = JSON.stringify(Array.from(got.dims)) === JSON.stringify(exp.dims);
        let worst = 0;
        if (exp.dtype !== 'int64') {
          const data = got.data as Float32Array;
          for (let i = 0; i < exp.data.length; i++) worst = Math.max(worst, Math.abs(data[i] - exp.data[i]));
        }
        checks.push({ output: `${name}.${oname}`, dimsMatch, maxAbsDiff: worst });
      }
    } finally {
      await session.release();
    }
  }
  return checks;
}
