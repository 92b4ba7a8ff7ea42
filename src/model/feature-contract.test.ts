// The feature contract is defined once (feature-contract.ts), checked against manifest.features at
// load, and the hard-coded defaults elsewhere (src/dsp, src/pipeline/frames.ts) agree with it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_RATE, HOP as FRAMES_HOP } from '../pipeline/frames';
import { MODELS_DIR, tempDir } from '../test-support/models';
import { logMel } from '../dsp/mel';
import { HOP, N_FFT } from '../dsp/stft';
import { FEATURE_CONTRACT, featureContractMismatches } from './feature-contract';
import { loadManifest } from './manifest';

const shipped = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown> & { features: Record<string, unknown> };

function withFeatures(features: unknown): string {
  const dir = tempDir('vs-features-');
  const m: Record<string, unknown> = { ...shipped, features };
  if (features === undefined) delete m.features;
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

describe('feature contract', () => {
  it('the shipped manifest states the contract the app computes', () => {
    expect(featureContractMismatches(shipped.features)).toEqual([]);
    expect(loadManifest(MODELS_DIR).features).toMatchObject(FEATURE_CONTRACT);
  });

  it('a manifest trained on other features fails at load with MODEL_ERROR naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...shipped.features, hop: 200 }, /hop is 200, the app computes 256/],
      [{ ...shipped.features, sampleRate: 22050 }, /sampleRate is 22050/],
      [{ ...shipped.features, nMels: 64, fMax: 11025 }, /nMels is 64.*fMax is 11025/],
      [{ ...shipped.features, logFloor: 1e-6 }, /logFloor/],
      [{ ...shipped.features, magnitude: 'power' }, /magnitude is "power"/],
      [{ ...shipped.features, nFft: undefined }, /nFft is missing/],
      [undefined, /"features" object is missing/],
    ];
    for (const [features, message] of cases) {
      const dir = withFeatures(features);
      expect(() => loadManifest(dir), String(message)).toThrow(expect.objectContaining({ code: 'MODEL_ERROR', message: expect.stringMatching(message) }));
      expect(() => loadManifest(dir)).toThrow(/other audio features/);
    }
  });

  it('extra fields and float noise in the manifest are fine', () => {
    expect(featureContractMismatches({ ...FEATURE_CONTRACT, logFloor: 1.0000000000001e-5, note: 'x' })).toEqual([]);
  });

  it('the DSP defaults are the contract (they hard-code it; this keeps them honest)', () => {
    expect(N_FFT).toBe(FEATURE_CONTRACT.nFft);
    expect(HOP).toBe(FEATURE_CONTRACT.hop);
    expect(FRAMES_HOP).toBe(FEATURE_CONTRACT.hop);
    expect(MODEL_RATE).toBe(FEATURE_CONTRACT.sampleRate);
    const x = Float32Array.from({ length: 4000 }, (_, i) => 0.3 * Math.sin(i * 0.07) + 0.05 * Math.sin(i * 1.3));
    const byDefault = logMel(x);
    const byContract = logMel(x, {
      sampleRate: FEATURE_CONTRACT.sampleRate,
      nFft: FEATURE_CONTRACT.nFft,
      hop: FEATURE_CONTRACT.hop,
      nMels: FEATURE_CONTRACT.nMels,
      fMin: FEATURE_CONTRACT.fMin,
      fMax: FEATURE_CONTRACT.fMax,
      logFloor: FEATURE_CONTRACT.logFloor,
    });
    expect(byDefault.nMels).toBe(FEATURE_CONTRACT.nMels);
    expect(byDefault.frames).toBe(1 + Math.floor(x.length / FEATURE_CONTRACT.hop));
    expect(Array.from(byDefault.data)).toEqual(Array.from(byContract.data));
  });
});
