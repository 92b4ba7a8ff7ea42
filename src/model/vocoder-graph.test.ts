// The neural vocoder's controls from the real vocoder.onnx: ranges, and the log-mel the synthesis shapes to
// (the input, corrected by the graph's envelope output where the export has one).
import { describe, expect, it } from 'vitest';
import { HAVE_MODELS, MODELS_DIR, NO_MODELS } from '../test-support/models';
import { VoiceModel } from './inference';
import { SessionRegistry } from './session-registry';
import { VocoderGraph } from './vocoder-graph';

describe.skipIf(!HAVE_MODELS)(`VocoderGraph with the exported vocoder${NO_MODELS}`, () => {
  it('gives aperiodicity and detail in [0, 1] and a log-mel within the envelope range of the input', async () => {
    const reg = await SessionRegistry.open(MODELS_DIR);
    try {
      const graph = new VocoderGraph(reg);
      expect(graph.available).toBe(true);
      const T = 41;
      const mel = Float32Array.from({ length: 80 * T }, (_, i) => -6 + 3 * Math.sin(i / 13));
      const model = new VoiceModel(reg);
      const f0 = model.f0Input(new Float32Array(T).fill(Math.log(150)), new Float32Array(T).fill(1));
      const before = Float32Array.from(mel);
      const c = await graph.controls(mel, f0, T);
      for (const v of [...c.aperiodicity, ...c.detail]) expect(v >= 0 && v <= 1).toBe(true);
      expect(c.logMel).toHaveLength(mel.length);
      expect(Array.from(mel)).toEqual(Array.from(before)); // the caller's mel is not changed in place
      const outputs = reg.manifest.models.vocoder!.outputs;
      const range = (reg.manifest.raw.models as Record<string, { synthesis?: { envelopeRange?: number } }> | undefined)?.vocoder?.synthesis?.envelopeRange;
      let largest = 0;
      for (let i = 0; i < mel.length; i++) largest = Math.max(largest, Math.abs(c.logMel[i] - mel[i]));
      if (outputs.includes('envelope')) {
        expect(range).toBeGreaterThan(0);
        expect(largest).toBeGreaterThan(0);
        expect(largest).toBeLessThanOrEqual(range! + 1e-5);
      } else {
        expect(largest).toBe(0);
      }
    } finally {
      await reg.dispose();
    }
  });
});
