// The comparison bundle (issue 14): one conversion's source, reference (one-shot only), result, a
// metrics.json (settings, model versions, timings, "sounds like" meters, quality-gate verdicts of input
// and output) and a side-by-side spectrogram PNG, for sharing and bug reports. Why it exists: the CLI
// (`vc convert --bundle DIR`, a folder written atomically) and the app (`exportBundle`, one store-only
// zip) must produce the same files from the same code.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import type { AnalysisReport, AudioData, ContentVariantName, ConvertResult, MixEntry, Verdict, VersionInfo, VocoderQuality } from '../api/types.js';
import { encodePngRgb } from '../audio/png-encode.js';
import { encodeWav } from '../audio/wav-encode.js';
import { createZip } from '../audio/zip-store.js';
import { spectrogramPair } from '../dsp/spectrogram-image.js';

/** One file of a bundle (flat name, no folders). */
export interface BundleFile {
  name: string;
  bytes: Uint8Array;
}

/** How the result was made, as the user chose it. */
export interface BundleSettings {
  /** What the user picked: a voice id or name, a blend label, or the reference file's stem. */
  voice: string;
  /** 'voice', 'blend' or 'reference' (one-shot). */
  target: 'voice' | 'blend' | 'reference';
  /** The blend (voice ids and weights) when the target is a library voice or blend. */
  mix?: MixEntry[];
  pitchSemitones: number;
  /** The quality setting, when chosen; absent means the engine's default. */
  quality?: VocoderQuality;
}

/** A quality-gate verdict as the bundle records it. */
export interface GateVerdict {
  verdict: Verdict;
  reasons: string[];
  peakDb: number;
  snrDb: number;
  clippingRatio: number;
  flaggedRegions: number;
}

/** Everything a bundle is made of. */
export interface BundleInput {
  source: AudioData;
  /** The one-shot reference, when the target was a reference recording. */
  reference?: AudioData;
  result: Pick<ConvertResult, 'audio' | 'timings' | 'rtf' | 'similarity' | 'anomaly'> & { variant: ContentVariantName } & Partial<Pick<ConvertResult, 'synthesis'>>;
  settings: BundleSettings;
  version: VersionInfo;
  /** Extra model identity (manifest version, graph sha256), see modelIdentity(). */
  modelIdentity?: Record<string, unknown>;
  gates: { input: GateVerdict; output: GateVerdict };
  /** Creation time (ISO 8601); default now. */
  createdAt?: string;
}

/** The files of a bundle, in order: source.wav, reference.wav (one-shot only), result.wav, metrics.json, spectrogram.png. */
export const BUNDLE_FILE_NAMES = ['source.wav', 'reference.wav', 'result.wav', 'metrics.json', 'spectrogram.png'] as const;

/** Turns an analysis report into the verdict a bundle records. */
export function gateVerdict(r: AnalysisReport): GateVerdict {
  return {
    verdict: r.verdict,
    reasons: r.reasons,
    peakDb: round(r.peakDb, 2),
    snrDb: round(r.snrDb, 2),
    clippingRatio: round(r.clippingRatio, 6),
    flaggedRegions: r.flagged.length,
  };
}

/** The manifest's version and each graph's sha256 (short), read from `modelsDir`; empty when unreadable. */
export function modelIdentity(modelsDir: string): Record<string, unknown> {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as { version?: unknown; models?: Record<string, { sha256?: unknown }> };
    const graphs: Record<string, string> = {};
    for (const [name, g] of Object.entries(m.models ?? {})) if (typeof g?.sha256 === 'string') graphs[name] = g.sha256.slice(0, 16);
    return { manifestVersion: m.version ?? null, graphSha256: graphs };
  } catch {
    return {};
  }
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Number.isFinite(x) ? Math.round(x * k) / k : x;
}

function wav(a: AudioData): Uint8Array {
  return encodeWav({ sampleRate: a.sampleRate, channels: a.channels }, { format: 'int16', dither: false });
}

function seconds(a: AudioData): number {
  return round(a.channels[0].length / a.sampleRate, 3);
}

/** Builds the bundle's files in memory (encodes the audio, the metrics and the spectrogram). */
export function buildBundleFiles(input: BundleInput): BundleFile[] {
  const { source, reference, result, settings, version, gates } = input;
  const metrics = {
    bundle: 1,
    createdAt: input.createdAt ?? new Date().toISOString(),
    settings: { ...settings, variant: result.variant, ...(result.synthesis ? { vocoder: result.synthesis.vocoder, quality: result.synthesis.quality } : {}) },
    versions: { app: version.app, onnxruntime: version.onnxruntime, node: version.node, transport: version.transport, models: version.models, capabilities: version.capabilities, ...input.modelIdentity },
    audio: {
      source: { seconds: seconds(source), sampleRate: source.sampleRate, channels: source.channels.length },
      ...(reference ? { reference: { seconds: seconds(reference), sampleRate: reference.sampleRate, channels: reference.channels.length } } : {}),
      result: { seconds: seconds(result.audio), sampleRate: result.audio.sampleRate, channels: result.audio.channels.length },
    },
    timingsMs: result.timings,
    rtf: result.rtf,
    soundsLike: result.similarity,
    qualityGate: { input: { ...gates.input, atConversion: result.anomaly }, output: gates.output },
    files: BUNDLE_FILE_NAMES.filter((n) => n !== 'reference.wav' || reference),
  };
  const img = spectrogramPair(source, result.audio);
  const files: BundleFile[] = [{ name: 'source.wav', bytes: wav(source) }];
  if (reference) files.push({ name: 'reference.wav', bytes: wav(reference) });
  files.push(
    { name: 'result.wav', bytes: wav(result.audio) },
    { name: 'metrics.json', bytes: new TextEncoder().encode(JSON.stringify(metrics, null, 2) + '\n') },
    { name: 'spectrogram.png', bytes: encodePngRgb(img.width, img.height, img.rgb) },
  );
  return files;
}

/** The bundle as one store-only zip (the app's download or save). */
export function zipBundle(files: BundleFile[]): Uint8Array {
  return createZip(files);
}

/**
 * Writes the bundle as folder `dir`, atomically: everything goes into `<dir>.partial-<pid>` first,
 * which is renamed to `dir` at the end; on any failure the partial folder is removed.
 * @throws ApiError IO_ERROR when `dir` exists and is not empty, its parent is missing, or a write fails
 */
export async function writeBundleDir(dir: string, files: BundleFile[]): Promise<void> {
  const target = path.resolve(dir);
  if (!fs.existsSync(path.dirname(target))) throw new ApiError('IO_ERROR', `The folder ${path.dirname(target)} does not exist.`);
  const existing = fs.existsSync(target) ? fs.statSync(target) : null;
  if (existing && (!existing.isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new ApiError('IO_ERROR', `${target} already exists and is not an empty folder; pick a new bundle folder.`);
  }
  const partial = `${target}.partial-${process.pid}`;
  try {
    await fs.promises.rm(partial, { recursive: true, force: true });
    await fs.promises.mkdir(partial);
    for (const f of files) {
      if (f.name !== path.basename(f.name) || f.name.startsWith('.')) throw new ApiError('INTERNAL', `Bad bundle file name ${f.name}.`);
      await fs.promises.writeFile(path.join(partial, f.name), f.bytes);
    }
    if (existing) await fs.promises.rmdir(target); // the empty folder the user named
    await fs.promises.rename(partial, target);
  } catch (err) {
    await fs.promises.rm(partial, { recursive: true, force: true }).catch(() => {});
    if (err instanceof ApiError) throw err;
    throw new ApiError('IO_ERROR', `Could not write the bundle ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
}
