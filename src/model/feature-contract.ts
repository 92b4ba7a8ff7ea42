// The audio and feature contract (DESIGN §3) in one module: what the models were trained on and what
// the TypeScript features must compute. models/manifest.json repeats it under "features" (written by
// the trainer); loadManifest checks the two agree, so an export trained on other features fails at
// load with MODEL_ERROR instead of converting to noise. src/dsp's defaults (N_FFT, HOP, mel options)
// are checked against it in feature-contract.test.ts.

/** The feature contract, as the manifest spells it. */
export const FEATURE_CONTRACT = {
  /** Model sample rate, Hz (mono, float32 in [-1, 1]). */
  sampleRate: 16000,
  /** FFT size. */
  nFft: 1024,
  /** Analysis window length (a periodic Hann of this length). */
  winLength: 1024,
  /** Hop between frames, samples (16 ms). */
  hop: 256,
  /** Mel bands. */
  nMels: 80,
  /** Lowest mel band edge, Hz. */
  fMin: 0,
  /** Highest mel band edge, Hz. */
  fMax: 8000,
  melScale: 'slaney',
  melNorm: 'slaney',
  /** Linear STFT magnitude (not power) before the mel matrix. */
  magnitude: 'linear',
  /** Floor before the log: ln(max(mel, logFloor)). */
  logFloor: 1e-5,
  window: 'hann-periodic',
  /** Centered frames with reflect padding. */
  center: true,
  padMode: 'reflect',
  /** Natural log. */
  log: 'natural',
} as const;

export type FeatureContract = typeof FEATURE_CONTRACT;

/** Seconds per feature frame (hop / sample rate). */
export const FRAME_SECONDS = FEATURE_CONTRACT.hop / FEATURE_CONTRACT.sampleRate;

/**
 * Where `features` (a manifest's "features" object) differs from FEATURE_CONTRACT: one line per
 * field, empty when they agree. Missing fields count as different; extra fields are ignored.
 */
export function featureContractMismatches(features: unknown): string[] {
  if (features === null || typeof features !== 'object' || Array.isArray(features)) return ['the "features" object is missing'];
  const f = features as Record<string, unknown>;
  const out: string[] = [];
  for (const [key, want] of Object.entries(FEATURE_CONTRACT)) {
    const got = f[key];
    const same =
      typeof want === 'number' && typeof got === 'number'
        ? Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want))
        : got === want;
    if (!same) out.push(`${key} is ${got === undefined ? 'missing' : JSON.stringify(got)}, the app computes ${JSON.stringify(want)}`);
  }
  return out;
}
