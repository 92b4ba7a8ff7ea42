// ONNX-vs-PyTorch parity of the shipped models: the training export writes models/testdata/onnx_vectors.json
// (inputs and PyTorch outputs); onnxruntime-node must reproduce every float output within 1e-4.
import { describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../test-support/models';
import { compareWithVectors } from './onnx-vectors';

describe('ONNX parity with PyTorch', () => {
  it('reproduces the PyTorch outputs of every shipped graph within 1e-4', async () => {
    const checks = await compareWithVectors(MODELS_DIR);
    expect(checks.filter((c) => !c.output.includes('codes')).length).toBeGreaterThanOrEqual(3);
    for (const c of checks) {
      expect(c.dimsMatch, `${c.output} dims`).toBe(true);
      expect(c.maxAbsDiff, `${c.output} max abs diff`).toBeLessThanOrEqual(1e-4);
    }
  });
});
