// The engine: one loaded model (sessions verified against the manifest), the voice library and the
// voice map, with the operations the service and the CLI share: resolve a target (voice id, blend or
// one-shot reference), convert, analyze, enroll. Loaded once and shared; dispose() closes sessions.
// Every conversion also gets the "sounds like" meter from the separately trained speaker verifier
// (speaker-meter.ts, meter.ts); the converter never grades its own output.
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import type { AnalysisReport, AudioData, ConvertResult, MixEntry, VocoderQuality, VoiceInfo } from '../api/types.js';
import { LogMelExtractor } from '../dsp/mel.js';
import { VoiceModel, type ContentVariant } from '../model/inference.js';
import { loadBuiltinVoices, loadManifest } from '../model/manifest.js';
import { SessionRegistry } from '../model/session-registry.js';
import { SpeakerVerifier } from '../model/verifier.js';
import { analyzeAudio, buildReport, measureLevels, scoresFromErrors } from '../quality-gate/analyze.js';
import { blendVoices } from '../pipeline/blend.js';
import { enrollReference, type EnrolledTarget, type ReferencePurpose } from '../library/enroll.js';
import { inputGain, MODEL_RATE, scaled, throwIfCancelled } from '../pipeline/frames.js';
import { toModelAudio, toModelAudioOn } from '../pipeline/model-audio.js';
import { convertAudio, type ConvertProgress, type TargetVoice } from '../pipeline/pipeline.js';
import { DEFAULT_QUALITY } from '../pipeline/quality.js';
import { measureMeter, verifierEmbeddingOf, type VerifierTarget } from '../quality-gate/speaker-meter.js';
import { DspThread } from '../pipeline/dsp-thread.js';
import { vocoderFor } from '../pipeline/vocoder.js';
import { VoiceLibrary } from '../library/voice-library.js';
import { createVoiceMap } from '../library/voice-map.js';

/** Options of `Engine.load`. */
export interface EngineOptions {
  /** App root holding models/ and assets/. */
  root: string;
  /** Where enrolled voices persist. */
  userDataDir: string;
  /** Models folder. Default <root>/models. */
  modelsDir?: string;
  /** onnxruntime intraOpNumThreads. Default 1 (see SessionRegistryOptions). */
  intraOpNumThreads?: number;
  /**
   * Content path for conversion. Default 'continuous'. 'vq' needs content_encoder_vq.onnx and
   * decoder_vq.onnx in the manifest; analysis always uses the continuous graphs (the anomaly
   * calibration was measured with them).
   */
  contentVariant?: ContentVariant;
}

/** Options of one conversion. */
export interface EngineConvertOptions {
  pitchSemitones?: number;
  /** How the result is synthesized (quality.ts). Default DEFAULT_QUALITY ('best'). */
  quality?: VocoderQuality;
  signal?: AbortSignal;
  onProgress?: (p: ConvertProgress) => void;
  /** Chunk length in seconds (see ConvertOptions). */
  chunkSeconds?: number;
  /**
   * Content path of this conversion. Default: the engine's (EngineOptions.contentVariant). 'vq' is the
   * discrete bottleneck: stronger conversion, somewhat less clear words (see the model card).
   * @throws ApiError MODEL_ERROR when the export has no VQ graphs
   */
  variant?: ContentVariant;
}

/** The loaded engine. */
export class Engine {
  /** The continuous autoencoder: analysis, enrollment, embeddings. */
  readonly model: VoiceModel;
  /** The model conversions use by default (the continuous one unless options.contentVariant is 'vq'). */
  readonly converter: VoiceModel;
  private vqModel: VoiceModel | null = null;
  readonly library: VoiceLibrary;
  /** The speaker verifier behind the meters (its session opens on first use; `available` is false without one). */
  readonly verifier: SpeakerVerifier;
  /** Verifier embeddings of enrolled voices stored without one, computed from their previews (per id and preview file). */
  private readonly previewVerifier = new Map<string, Promise<Float32Array | null>>();
  /** Milliseconds to verify and load the models, the manifest and the library. */
  readonly loadMs: number;
  /** Where a conversion's pitch tracking and neural synthesis run: a worker thread, started with the engine (src/pipeline/dsp-thread.ts). */
  private readonly dspThread = new DspThread();

  private constructor(model: VoiceModel, converter: VoiceModel, library: VoiceLibrary, loadMs: number) {
    this.model = model;
    this.converter = converter;
    this.library = library;
    this.loadMs = loadMs;
    this.verifier = new SpeakerVerifier(model.registry);
  }

  /**
   * Loads the manifest, verifies and opens the sessions, reads the voices.
   * @throws ApiError MODEL_ERROR naming a missing or altered file
   */
  static async load(options: EngineOptions): Promise<Engine> {
    const t0 = performance.now();
    const modelsDir = options.modelsDir ?? path.join(options.root, 'models');
    const manifest = loadManifest(modelsDir);
    const builtins = loadBuiltinVoices(modelsDir, manifest.embeddingDim, manifest.verifier?.embeddingDim);
    const registry = await SessionRegistry.open(modelsDir, { manifest, intraOpNumThreads: options.intraOpNumThreads });
    try {
      const library = await VoiceLibrary.open({
        builtins,
        userDataDir: options.userDataDir,
        assetsRoot: options.root,
        voiceMap: createVoiceMap(builtins.map((b) => b.embedding)),
        embeddingDim: manifest.embeddingDim,
        verifier: manifest.verifier ? { model: manifest.verifier.sha256, dim: manifest.verifier.embeddingDim } : undefined,
      });
      const model = new VoiceModel(registry);
      const converter = options.contentVariant === 'vq' ? await openVqModel(registry) : model;
      return new Engine(model, converter, library, performance.now() - t0);
    } catch (err) {
      await registry.dispose();
      throw err;
    }
  }

  /**
   * The target of a mix: one voice, or the normalized blend of several.
   * @throws ApiError NOT_FOUND for an unknown voice id
   */
  resolveTarget(mix: MixEntry[]): TargetVoice {
    const parts = mix.map((m) => {
      const v = this.library.require(m.voiceId);
      return { voice: { ...v.target, verifier: v.target.verifier ?? this.enrolledVerifier(v.info.id, v.previewPath) }, weight: m.weight };
    });
    return parts.length === 1 ? parts[0].voice : blendVoices(parts);
  }

  /**
   * The verifier target of an enrolled voice stored without a verifier embedding (enrolled before the
   * meter existed, or with another verifier): computed from its stored preview (the first 4 s of the
   * reference) on first use and kept for this session. Not written back: the record stays as the
   * enrollment left it, and a later export's verifier computes its own.
   */
  private enrolledVerifier(id: string, previewPath: string | undefined): VerifierTarget {
    if (!this.verifier.available) return { missing: this.verifier.unavailableReason! };
    if (!previewPath) return { missing: 'This voice was enrolled before the similarity meter existed and has no preview clip to measure; enroll it again to see the meter.' };
    const key = `${id}:${previewPath}`;
    return {
      pending: () => {
        let p = this.previewVerifier.get(key);
        if (!p) {
          p = this.library.readEnrolledPreview(id).then((samples) => (samples ? verifierEmbeddingOf(this.verifier, samples) : null));
          p.catch(() => this.previewVerifier.delete(key));
          this.previewVerifier.set(key, p);
        }
        return p;
      },
    };
  }

  /**
   * A one-shot target from reference speech (checked like an enrollment, not stored). A conversion
   * reference may be as short as 1 s (with a warning below 3 s); a library voice needs 3-30 s.
   * @throws ApiError BAD_AUDIO with the reason when the reference is unusable
   */
  async targetFromReference(reference: AudioData, signal?: AbortSignal, purpose: ReferencePurpose = 'conversion'): Promise<EnrolledTarget> {
    return enrollReference(this.model, reference, toModelAudio(reference), signal, purpose, this.verifier);
  }

  /**
   * Enrolls and stores a voice.
   * @throws ApiError BAD_AUDIO (unusable reference), INVALID_ARGUMENT (name taken), IO_ERROR
   */
  async enroll(name: string, reference: AudioData): Promise<VoiceInfo> {
    const t = await this.targetFromReference(reference, undefined, 'library');
    const info = this.verifier.info;
    const verifier = info && t.verifier && 'embedding' in t.verifier ? { model: info.sha256, embedding: t.verifier.embedding } : undefined;
    return this.library.add({ name, embedding: t.embedding, f0: t.f0, preview: t.preview, verifier });
  }

  /** Speaker embedding of any audio, without the enrollment checks (for similarity measurements). */
  async embedAudio(audio: AudioData): Promise<Float32Array> {
    const mono = toModelAudio(audio);
    const mel = new LogMelExtractor().compute(scaled(mono, inputGain(mono)));
    return this.model.embed(mel.data, mel.frames);
  }

  /** Levels, anomaly and verdict of a clip. */
  async analyze(audio: AudioData, signal?: AbortSignal): Promise<AnalysisReport> {
    return analyzeAudio(this.model, audio, toModelAudio(audio), signal);
  }

  /**
   * Converts `source` toward `target`. The result is 16 kHz mono, as long as the source.
   * @throws ApiError CANCELLED, BAD_AUDIO, MODEL_ERROR
   */
  async convert(source: AudioData, target: TargetVoice, options: EngineConvertOptions = {}): Promise<ConvertResult> {
    const t0 = performance.now();
    const tp = performance.now();
    const mono = await toModelAudioOn(source, this.dspThread);
    const prepareMs = performance.now() - tp;
    const converter = await this.converterFor(options.variant);
    const calibrated = converter === this.model;
    const quality = options.quality ?? DEFAULT_QUALITY;
    const vocoder = vocoderFor(quality, converter, this.dspThread);
    // The meter's embedding of the source is computed while the first chunk is synthesized (its graph
    // then runs beside the synthesis thread instead of after the conversion).
    let sourceEmbedding: Promise<Float32Array | null> | undefined;
    const out = await convertAudio(converter, mono, target, {
      dspThread: this.dspThread,
      whileSynthesizing: (f0) => {
        if (!this.verifier.available) return;
        sourceEmbedding = verifierEmbeddingOf(this.verifier, mono, f0.voiced);
        sourceEmbedding.catch(() => {}); // awaited by the meter; a conversion that fails first never reads it
      },
      pitchSemitones: options.pitchSemitones,
      vocoder,
      chunkSeconds: options.chunkSeconds,
      signal: options.signal,
      onProgress: options.onProgress,
      // The anomaly calibration belongs to the continuous graphs: the VQ path reports level checks only.
      anomaly: calibrated,
      // The converter's own speaker encoder does not grade the output: the verifier does, below.
      similarity: false,
      // matched below, on the DSP thread while the verifier reads the result
      matchLoudness: false,
    });
    const levels = measureLevels({ sampleRate: MODEL_RATE, channels: [mono] }, { loudness: false });
    const an = out.anomaly ? scoresFromErrors(this.model, out.anomaly) : null;
    const report = buildReport({ sampleRate: MODEL_RATE, channels: [mono] }, levels, an);
    throwIfCancelled(options.signal);
    options.onProgress?.({ stage: 'similarity', progress: 1, chunk: out.chunks - 1, chunks: out.chunks });
    const tm = performance.now();
    // The result's loudness gain on the DSP thread, beside the meter's verifier run here (the verifier's
    // embedding does not depend on the gain: it normalizes the peak); the gain is applied once both are done.
    const gainP = this.dspThread.loudnessGain(out.audio, mono);
    const similarityP = measureMeter({
      verifier: this.verifier,
      source: mono,
      output: out.audio,
      sourceF0: out.sourceF0,
      inputGate: { verdict: report.verdict, reasons: report.reasons },
      target: target.verifier,
      sourceEmbedding,
      outputGain: gainP.then((g) => g.value),
    });
    similarityP.catch(() => {}); // awaited below; a failing gain must not leave it unhandled
    const gain = await gainP;
    const similarity = await similarityP;
    for (let i = 0; i < out.audio.length; i++) out.audio[i] *= gain.value;
    out.timings.loudness = Math.round(gain.ms * 10) / 10;
    const meterMs = performance.now() - tm;
    const total = performance.now() - t0;
    const timings = { prepare: Math.round(prepareMs * 10) / 10, ...out.timings, verifier: Math.round(meterMs * 10) / 10, total: Math.round(total * 10) / 10 };
    return {
      audio: { sampleRate: MODEL_RATE, channels: [out.audio] },
      timings,
      similarity,
      variant: converter.variant,
      synthesis: { quality, vocoder: vocoder.kind },
      anomaly: { verdict: report.verdict, reasons: report.reasons },
      rtf: round4(total / 1000 / (mono.length / MODEL_RATE)),
    };
  }

  /** Why pitch tracking and synthesis run on the engine's own thread (null: they run on the DSP worker). */
  get dspThreadUnavailable(): string | null {
    return this.dspThread.unavailableReason;
  }

  /** Whether this export has the neural vocoder (otherwise every quality setting runs Griffin-Lim). */
  get hasNeuralVocoder(): boolean {
    return this.model.registry.has('vocoder');
  }

  /** Whether this export has the discrete (VQ) content path. */
  get hasVq(): boolean {
    return hasVqGraphs(this.model.registry);
  }

  /** The model of a content path; the VQ sessions open on first use. */
  private async converterFor(variant: ContentVariant | undefined): Promise<VoiceModel> {
    if (!variant || variant === this.converter.variant) return this.converter;
    if (variant === 'continuous') return this.model;
    this.vqModel ??= await openVqModel(this.model.registry);
    return this.vqModel;
  }

  /** Closes the model sessions. */
  async dispose(): Promise<void> {
    await this.dspThread.dispose();
    await this.model.registry.dispose();
  }
}

function hasVqGraphs(registry: SessionRegistry): boolean {
  return registry.has('content_encoder_vq') && registry.has('decoder_vq');
}

/**
 * The discrete (VQ) content path, its sessions opened.
 * @throws ApiError MODEL_ERROR when the export has no VQ graphs
 */
async function openVqModel(registry: SessionRegistry): Promise<VoiceModel> {
  if (!hasVqGraphs(registry)) throw new ApiError('MODEL_ERROR', 'This model export has no discrete (VQ) variant; use the continuous one.');
  await Promise.all([registry.session('content_encoder_vq'), registry.session('decoder_vq')]);
  return new VoiceModel(registry, 'vq');
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
