// Types, loading and validation of the model export: models/manifest.json (graphs with sha256 and
// I/O names, feature contract, F0 input normalization, anomaly calibration) and models/voices.json
// (built-in voices). Everything the engine reads from the training side passes through here, so a
// malformed export fails once, early, with an ApiError('MODEL_ERROR') that says which file is wrong.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import { FEATURE_CONTRACT, featureContractMismatches } from './feature-contract.js';

/** One exported graph as listed in the manifest. */
export interface ModelFileEntry {
  file: string;
  sha256: string;
  bytes: number;
  inputs: string[];
  outputs: string[];
  /** Frames of future input the graph reads: set for the streaming graphs; absent for offline ones (whole utterance). */
  lookaheadFrames?: number;
  /** 'running': the encoder's content still needs its per-channel normalization over time (src/model/content-norm.ts). */
  contentNorm?: 'running';
  /**
   * A step graph (live mode, models/train/vc_train/stream_step.py): the state it carries from call to call,
   * [1, channels, frames] (each convolution's last final input frames, stacked).
   */
  state?: { channels: number; frames: number };
  /**
   * The vocoder's `synthesis.freeVoicing`: its aperiodicity holds in frames the pitch tracker calls unvoiced too
   * (src/dsp/source-filter.ts `freeVoicing`); absent or false: those frames are all noise.
   */
  freeVoicing?: boolean;
}

/** The anomaly calibration: quantiles of per-frame (and per-utterance mean) reconstruction error on clean speech. */
export interface AnomalyCalibration {
  metric: string;
  quantiles: Record<string, number>;
  utteranceQuantiles: Record<string, number>;
}

/** models/manifest.json, the fields the engine relies on (others are kept in `raw`). */
export interface Manifest {
  version: number;
  /** The feature contract the export was trained on; loadManifest has checked it equals FEATURE_CONTRACT. */
  features: Record<string, unknown>;
  f0Input: { center: number; scale: number };
  embeddingDim: number;
  contentChannels: number;
  models: Record<string, ModelFileEntry>;
  anomaly: AnomalyCalibration;
  /**
   * The separately trained speaker verifier (DESIGN §4 verifier.onnx) that drives the similarity meters;
   * null when the export has none (the meters then say they are unavailable) or its entry is unusable.
   */
  verifier: VerifierInfo | null;
  /** Why `verifier` is null although the manifest lists one (a plain sentence); absent otherwise. */
  verifierIssue?: string;
  raw: Record<string, unknown>;
}

/** The verifier's manifest entry: its embedding size and the score -> same-speaker probability calibration. */
export interface VerifierInfo {
  /** D' of `embedding [1, D']`. */
  embeddingDim: number;
  /** sha256 of verifier.onnx: identifies the embedding space (stored embeddings of another verifier do not compare). */
  sha256: string;
  /** P(same speaker) = 1 / (1 + exp(-(a * cosine + b))), fitted on held-out real speakers. */
  calibration: { a: number; b: number; eerThreshold3s?: number; eerPct3s?: number };
}

/** One built-in voice of models/voices.json. */
export interface BuiltinVoiceEntry {
  id: string;
  name: string;
  licence: string;
  source: string;
  gender: 'female' | 'male' | 'unknown';
  embedding: Float32Array;
  /** Mean and standard deviation of ln(F0 Hz) over voiced frames. */
  f0: { mean: number; std: number };
  /** Preview clip path relative to the app root (e.g. assets/voices/<id>.wav). */
  preview?: string;
  /** The verifier's embedding of the voice (mean over its own clips), L2-normalized; absent when the export has none. */
  verifierEmbedding?: Float32Array;
}

/** Graphs the engine needs; the others in the manifest are optional. */
export const REQUIRED_MODELS = ['content_encoder', 'speaker_encoder', 'decoder'] as const;

/** Input and output names each known graph must have (the model contract, DESIGN §4). */
export const EXPECTED_IO: Record<string, { inputs: string[]; outputs: string[] }> = {
  content_encoder: { inputs: ['mel'], outputs: ['content'] },
  speaker_encoder: { inputs: ['mel'], outputs: ['embedding'] },
  decoder: { inputs: ['content', 'embedding', 'f0'], outputs: ['mel'] },
  content_encoder_vq: { inputs: ['mel'], outputs: ['content', 'codes'] },
  decoder_vq: { inputs: ['content', 'embedding', 'f0'], outputs: ['mel'] },
  verifier: { inputs: ['mel'], outputs: ['embedding'] },
  vocoder: { inputs: ['mel', 'f0'], outputs: ['aperiodicity', 'detail'] },
  content_encoder_stream: { inputs: ['mel', 'state', 'commit', 'start'], outputs: ['content', 'next_state'] },
  decoder_stream: { inputs: ['content', 'embedding', 'f0', 'state', 'commit', 'start'], outputs: ['mel', 'next_state'] },
};

function modelError(message: string): ApiError {
  return new ApiError('MODEL_ERROR', message);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw modelError(`${what} is missing (${path.basename(file)}). Reinstall the app or re-export the models.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw modelError(`${what} (${path.basename(file)}) is not valid JSON. Reinstall the app or re-export the models.`);
  }
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw modelError(`manifest.json: ${what} must be a number.`);
  return v;
}

function contentNorm(v: unknown, name: string): 'running' {
  if (v !== 'running') throw modelError(`manifest.json: ${name}.contentNorm must be "running".`);
  return v;
}

function stepState(v: unknown, name: string): { channels: number; frames: number } {
  const s = (v ?? {}) as Record<string, unknown>;
  const channels = num(s.channels, `${name}.state.channels`);
  const frames = num(s.frames, `${name}.state.frames`);
  if (!Number.isInteger(channels) || !Number.isInteger(frames) || channels < 1 || frames < 1) {
    throw modelError(`manifest.json: ${name}.state must give whole positive channels and frames.`);
  }
  return { channels, frames };
}

function freeVoicing(v: unknown, name: string): boolean {
  const f = v !== null && typeof v === 'object' ? (v as Record<string, unknown>).freeVoicing : undefined;
  if (f !== undefined && typeof f !== 'boolean') throw modelError(`manifest.json: ${name}.synthesis.freeVoicing must be true or false.`);
  return f === true;
}

function strList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw modelError(`manifest.json: ${what} must be a list of names.`);
  return v as string[];
}

/**
 * Reads and validates `<modelsDir>/manifest.json`.
 * @throws ApiError MODEL_ERROR naming the problem
 */
export function loadManifest(modelsDir: string): Manifest {
  const raw = readJson(path.join(modelsDir, 'manifest.json'), 'The model manifest') as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object') throw modelError('manifest.json must hold an object.');
  const f0 = (raw.f0Input ?? {}) as Record<string, unknown>;
  const modelsRaw = (raw.models ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof modelsRaw !== 'object') throw modelError('manifest.json: "models" must be an object.');
  const models: Record<string, ModelFileEntry> = {};
  for (const [name, m] of Object.entries(modelsRaw)) {
    if (m === null || typeof m !== 'object') throw modelError(`manifest.json: entry "${name}" must be an object.`);
    const file = typeof m.file === 'string' ? path.basename(m.file) : `${name}.onnx`;
    if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(m.sha256)) throw modelError(`manifest.json: ${file} has no valid sha256.`);
    models[name] = {
      file,
      sha256: m.sha256.toLowerCase(),
      bytes: num(m.bytes, `${name}.bytes`),
      inputs: strList(m.inputs, `${name}.inputs`),
      outputs: strList(m.outputs, `${name}.outputs`),
      ...(m.lookaheadFrames === undefined ? {} : { lookaheadFrames: num(m.lookaheadFrames, `${name}.lookaheadFrames`) }),
      ...(m.contentNorm === undefined ? {} : { contentNorm: contentNorm(m.contentNorm, name) }),
      ...(m.state === undefined ? {} : { state: stepState(m.state, name) }),
      ...(freeVoicing(m.synthesis, name) ? { freeVoicing: true } : {}),
    };
  }
  for (const req of REQUIRED_MODELS) {
    if (!models[req]) throw modelError(`manifest.json does not list the ${req} graph. Re-export the models.`);
  }
  // The export must have been trained on the features this app computes (DESIGN §3).
  const mismatches = featureContractMismatches(raw.features);
  if (mismatches.length > 0) {
    throw modelError(
      `manifest.json: the models were trained on other audio features than this app computes (${mismatches.join('; ')}). ` +
        `Re-export the models with the feature contract of sample rate ${FEATURE_CONTRACT.sampleRate} Hz, n_fft ${FEATURE_CONTRACT.nFft}, hop ${FEATURE_CONTRACT.hop}, ${FEATURE_CONTRACT.nMels} mels.`,
    );
  }
  const anomalyRaw = (raw.anomaly ?? {}) as Record<string, unknown>;
  const quantiles = numberMap(anomalyRaw.quantiles);
  const utteranceQuantiles = numberMap(anomalyRaw.utteranceQuantiles);
  const { verifier, issue: verifierIssue } = parseVerifier(modelsRaw.verifier, models.verifier);
  return {
    version: num(raw.version, 'version'),
    features: raw.features as Record<string, unknown>,
    f0Input: { center: num(f0.center, 'f0Input.center'), scale: num(f0.scale, 'f0Input.scale') },
    embeddingDim: num(raw.embeddingDim, 'embeddingDim'),
    contentChannels: num(raw.contentChannels, 'contentChannels'),
    models,
    anomaly: { metric: typeof anomalyRaw.metric === 'string' ? anomalyRaw.metric : '', quantiles, utteranceQuantiles },
    verifier,
    ...(verifierIssue ? { verifierIssue } : {}),
    raw,
  };
}

/**
 * The verifier's entry. It is optional: an export without it, or with an unusable calibration, still
 * converts; the meters then report why they are not shown instead of failing the whole app.
 */
function parseVerifier(rawEntry: Record<string, unknown> | undefined, entry: ModelFileEntry | undefined): { verifier: VerifierInfo | null; issue?: string } {
  if (!rawEntry || !entry) return { verifier: null };
  const dim = rawEntry.embeddingDim;
  const cal = (rawEntry.calibration ?? {}) as Record<string, unknown>;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!ok(dim) || !Number.isInteger(dim) || dim < 1) return { verifier: null, issue: 'The speaker verifier in this export has no valid embedding size (manifest.json).' };
  if (!ok(cal.a) || !ok(cal.b) || !(cal.a > 0)) return { verifier: null, issue: 'The speaker verifier in this export has no valid calibration (manifest.json).' };
  const calibration: VerifierInfo['calibration'] = { a: cal.a, b: cal.b };
  if (ok(cal.eerThreshold3s)) calibration.eerThreshold3s = cal.eerThreshold3s;
  if (ok(cal.eerPct3s)) calibration.eerPct3s = cal.eerPct3s;
  return { verifier: { embeddingDim: dim, sha256: entry.sha256, calibration } };
}

function numberMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  }
  return out;
}

/** L2 norm of a vector. */
export function l2norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * Reads and validates `<modelsDir>/voices.json` (built-in voices).
 * @param embeddingDim D from the manifest; every embedding must have it
 * @throws ApiError MODEL_ERROR naming the problem
 */
export function loadBuiltinVoices(modelsDir: string, embeddingDim: number, verifierDim?: number): BuiltinVoiceEntry[] {
  const raw = readJson(path.join(modelsDir, 'voices.json'), 'The built-in voice list') as { voices?: unknown };
  if (!raw || !Array.isArray(raw.voices)) throw modelError('voices.json must hold a "voices" list.');
  const seen = new Set<string>();
  return raw.voices.map((v: Record<string, unknown>, i: number) => {
    const id = typeof v?.id === 'string' ? v.id : '';
    if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw modelError(`voices.json: voice ${i} has no valid id.`);
    if (seen.has(id)) throw modelError(`voices.json lists "${id}" twice.`);
    seen.add(id);
    const emb = v.embedding;
    if (!Array.isArray(emb) || emb.length !== embeddingDim || !emb.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw modelError(`voices.json: "${id}" needs an embedding of ${embeddingDim} numbers.`);
    }
    const embedding = Float32Array.from(emb as number[]);
    const n = l2norm(embedding);
    if (!(n > 0)) throw modelError(`voices.json: "${id}" has a zero embedding.`);
    for (let k = 0; k < embedding.length; k++) embedding[k] /= n;
    const f0 = (v.f0 ?? {}) as Record<string, unknown>;
    if (typeof f0.mean !== 'number' || typeof f0.std !== 'number' || !(f0.std >= 0)) {
      throw modelError(`voices.json: "${id}" needs f0.mean and f0.std (ln Hz).`);
    }
    const gender = v.gender === 'female' || v.gender === 'male' ? v.gender : 'unknown';
    const verifierEmbedding = verifierDim ? verifierVector(v.verifierEmbedding, verifierDim, id) : undefined;
    return {
      id,
      name: typeof v.name === 'string' && v.name.trim() ? v.name.trim() : id,
      licence: typeof v.licence === 'string' ? v.licence : 'unknown',
      source: typeof v.source === 'string' ? v.source : '',
      gender,
      embedding,
      f0: { mean: f0.mean, std: f0.std },
      preview: typeof v.preview === 'string' ? v.preview : undefined,
      ...(verifierEmbedding ? { verifierEmbedding } : {}),
    };
  });
}

/**
 * A built-in voice's verifier embedding, L2-normalized; undefined when voices.json has none for it
 * (that voice's target meter is then unavailable).
 * @throws ApiError MODEL_ERROR when one is present with the wrong size or values (an inconsistent export)
 */
function verifierVector(raw: unknown, dim: number, id: string): Float32Array | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length !== dim || !raw.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw modelError(`voices.json: "${id}" has a verifierEmbedding that is not ${dim} numbers. Re-export the models.`);
  }
  const e = Float32Array.from(raw as number[]);
  const n = l2norm(e);
  if (!(n > 0)) throw modelError(`voices.json: "${id}" has a zero verifierEmbedding.`);
  for (let k = 0; k < e.length; k++) e[k] /= n;
  return e;
}
