// The VoiceApi contract: the one definition of every call the renderer can make, shared by the
// Electron IPC transport, the web-mode HTTP transport and the CLI. Types and plain-data constants
// only (no imports, nothing that runs), so the renderer may read the constants too (VOCODER_QUALITIES,
// EXPORT_FORMATS, PITCH_RANGE_SEMITONES); runtime checks live in validate.ts and the handler table in
// handlers.ts.

/** Audio as it crosses the API boundary: planar float32 samples in [-1, 1]. */
export interface AudioData {
  sampleRate: number;
  channels: Float32Array[];
}

/** What `version()` reports. */
export interface VersionInfo {
  app: string;
  onnxruntime: string;
  node: string;
  /** Transport serving this call. */
  transport: 'electron' | 'web' | 'direct';
  /** Model graphs listed in models/manifest.json with whether each file is present. */
  models: { name: string; file: string; present: boolean }[];
  /** What this model export can do, so the UI can offer (or explain the absence of) each option. */
  capabilities: {
    /** Content paths a conversion may ask for ('continuous' always; 'vq' when the export has the VQ graphs). */
    variants: ContentVariantName[];
    /** Whether the speaker verifier behind the "sounds like" meter is in the export. */
    verifier: boolean;
    /** Whether the neural vocoder is in the export (without it 'best' and 'fast' fall back to Griffin-Lim). */
    neuralVocoder: boolean;
  };
}

/** The quality settings a conversion may ask for, best first (src/pipeline/quality.ts maps each to a vocoder). */
export const VOCODER_QUALITIES = ['best', 'fast', 'classic'] as const;

/**
 * How the result is synthesized: 'best' (the neural vocoder with all consistency passes, the default),
 * 'fast' (the neural vocoder with one pass, for previews) or 'classic' (Griffin-Lim, the pre-neural
 * sound; for input whose pitch cannot be tracked, such as whispering).
 */
export type VocoderQuality = (typeof VOCODER_QUALITIES)[number];

/**
 * The content path of a conversion: 'continuous' (the default, clearest words) or 'vq', the discrete
 * codebook bottleneck (stronger conversion, some loss of clarity), where the export has it.
 */
export type ContentVariantName = 'continuous' | 'vq';

export type VoiceKind = 'builtin' | 'enrolled';

/** A target voice the user can pick. */
export interface VoiceInfo {
  id: string;
  name: string;
  kind: VoiceKind;
  /** Licence of the source voice (built-ins) or 'user' for enrolled voices. */
  licence: string;
  /** Where a built-in voice comes from (corpus, speaker, authors), for the credits; absent for enrolled voices. */
  source?: string;
  gender?: 'female' | 'male' | 'unknown';
  /** 2-D position of the voice's embedding on the voice map (fixed projection, roughly in [-1, 1]). */
  map: [number, number];
  /** Mean F0 of the voice in Hz, for display. */
  meanF0Hz?: number;
  createdAt?: string;
  /** Whether a preview clip exists (fetch it with `previewVoice`). */
  hasPreview: boolean;
}

export interface EnrollRequest {
  name: string;
  audio: AudioData;
}

export interface RenameRequest {
  id: string;
  name: string;
}

export interface VoiceIdRequest {
  id: string;
}

export type Verdict = 'ok' | 'warn' | 'reject';

/** A time range the quality gate flags, with why. */
export interface FlaggedRegion {
  start: number;
  end: number;
  reason: string;
}

export interface AnalysisReport {
  durationSec: number;
  sampleRate: number;
  channels: number;
  peakDb: number;
  rmsDb: number;
  loudnessLufs: number;
  clippingRatio: number;
  snrDb: number;
  silenceRatio: number;
  /** Per-frame anomaly score (0 = typical clean speech, 1 = at the calibrated threshold). Empty without a model. */
  anomaly: { hopSec: number; scores: number[]; threshold: number; meanScore: number };
  flagged: FlaggedRegion[];
  verdict: Verdict;
  reasons: string[];
}

export interface AnalyzeRequest {
  audio: AudioData;
}

/** One voice in a target blend; weights are normalized by the engine. */
export interface MixEntry {
  voiceId: string;
  weight: number;
}

/**
 * Who the result should sound like: a voice or a blend from the library (`mix`), or a one-shot
 * reference recording (`reference`, 3-30 s of someone speaking) that is used for this conversion
 * only and never stored (convert toward a voice you do not want to keep).
 */
export type ConvertTarget = { mix: MixEntry[] } | { reference: AudioData };

export interface ConvertRequest {
  source: AudioData;
  target: ConvertTarget;
  /** Pitch offset in semitones applied on top of the target voice's pitch range. Default 0. */
  pitchSemitones?: number;
  /** How the result is synthesized. Default 'best'. */
  quality?: VocoderQuality;
  /** Content path. Default 'continuous'; 'vq' fails with MODEL_ERROR when the export lacks it (see version().capabilities). */
  variant?: ContentVariantName;
}

/** The meter's verdict on "does the result sound like this speaker" (src/quality-gate/meter.ts defines it). */
export type SimilarityVerdict = 'likely' | 'unclear' | 'unlikely';

/** One "sounds like" reading, from the separately trained speaker verifier. */
export interface SpeakerMatch {
  /** Cosine of the verifier embeddings (-1..1); null when not measured. */
  cosine: number | null;
  /** Calibrated same-speaker probability (0..1); null when not measured. */
  probability: number | null;
  /** null when the meter is not shown: then `reason` says why (not speech, rejected by the quality gate, no verifier). */
  verdict: SimilarityVerdict | null;
  /** Why there is no verdict, in plain words; null when there is one. */
  reason: string | null;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/**
 * The one stage vocabulary. A conversion's pipeline reports these, in this order, per chunk
 * (src/pipeline/pipeline.ts; `similarity` once at the end, src/engine/engine.ts), and a job's
 * `stage` is one of them while it runs. Not the keys of `ConvertResult.timings`: those name the
 * timed steps (mel, contentEncoder, f0, ...), several per stage.
 */
export const PIPELINE_STAGES = ['features', 'content', 'pitch', 'decoder', 'vocoder', 'similarity'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];
/** Every value `JobStatus.stage` takes: the job's life around the pipeline's stages. */
export const JOB_STAGES = ['queued', 'starting', ...PIPELINE_STAGES, 'done', 'failed', 'cancelled'] as const;
export type JobStage = (typeof JOB_STAGES)[number];
/** What the UI shows for each stage (app/lib/format.ts stageLabel). */
export const STAGE_LABELS: Readonly<Record<JobStage, string>> = {
  queued: 'Queued',
  starting: 'Starting',
  features: 'Features',
  content: 'Content',
  pitch: 'Pitch',
  decoder: 'Decoder',
  vocoder: 'Vocoder',
  similarity: 'Similarity',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export interface ConvertResult {
  audio: AudioData;
  /** Stage name -> milliseconds. */
  timings: Record<string, number>;
  /** Does the result sound like the target, and like the source speaker? Judged by the speaker verifier, never by the converter itself. */
  similarity: { toTarget: SpeakerMatch; toSource: SpeakerMatch };
  /** The content path that produced the result. */
  variant: ContentVariantName;
  /** The quality setting and the vocoder that ran it ('neural', or 'griffin-lim' for 'classic' and for exports without the neural vocoder). */
  synthesis: { quality: VocoderQuality; vocoder: 'neural' | 'griffin-lim' };
  anomaly: { verdict: Verdict; reasons: string[] };
  rtf: number;
}

/** What startConversion answers: the job, and cautions about the request (e.g. a short one-shot reference). */
export interface ConversionStarted {
  jobId: string;
  /** Plain sentences to show before the result; absent when there are none. */
  warnings?: string[];
}

export interface JobStatus {
  jobId: string;
  state: JobState;
  /** 0..1 */
  progress: number;
  stage: JobStage;
  error?: ApiErrorInfo;
  result?: ConvertResult;
}

export interface JobIdRequest {
  jobId: string;
}

/** What an export format can hold: the one table behind validation, the CLI, the encoder and the UI. */
export interface ExportFormatSpec {
  /** File extension without the dot. */
  extension: string;
  /** Name shown in menus. */
  label: string;
  /** MIME type of a download. */
  mime: string;
  /** Bit depths it can hold: 16 and 24 are integer PCM, 32 is float. */
  bitDepths: readonly ExportBitDepth[];
  /** Output sample rates offered, Hz. */
  sampleRates: readonly number[];
}

export type ExportBitDepth = 16 | 24 | 32;

/** Output rates every export format offers, Hz. */
export const EXPORT_SAMPLE_RATES = [16000, 22050, 44100, 48000] as const;

/**
 * The export formats (plain data, so the renderer may read it too). Adding a format here is the whole
 * change on the API side: validate.ts, the CLI's --format/--rate/--bits, the encoder's file name and
 * the UI's Export panel all read this table; the encoder in src/engine/export.ts adds its codec.
 */
export const EXPORT_FORMATS = {
  wav: { extension: 'wav', label: 'WAV', mime: 'audio/wav', bitDepths: [16, 24, 32], sampleRates: EXPORT_SAMPLE_RATES },
  flac: { extension: 'flac', label: 'FLAC', mime: 'audio/flac', bitDepths: [16, 24], sampleRates: EXPORT_SAMPLE_RATES },
} as const satisfies Record<string, ExportFormatSpec>;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

/** The format names, in menu order. */
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormat[];

/**
 * The pitch control's range in semitones, ± this value: the API accepts it and the UI's slider offers
 * all of it (two octaves either way; beyond one octave the result gets thin, which the user can hear).
 */
export const PITCH_RANGE_SEMITONES = 24;

export interface ExportRequest {
  audio: AudioData;
  format: ExportFormat;
  /** One of the format's `sampleRates` (EXPORT_FORMATS). */
  sampleRate: number;
  /** One of the format's `bitDepths` (EXPORT_FORMATS): 16 or 24 (integer PCM), or 32 (float WAV only). */
  bitDepth: ExportBitDepth;
  /** Suggested file name without directories; the extension is set from the format. */
  name: string;
}

/** Where an export went: a path (Electron save dialog, CLI) or bytes the renderer downloads (web mode). */
export interface ExportResult {
  fileName: string;
  path?: string;
  bytes?: Uint8Array;
  cancelled?: boolean;
}

/**
 * A comparison bundle of the current result (issue 14): source, result, metrics.json and a side-by-side
 * spectrogram, saved as one zip. The renderer sends what it holds; the engine re-checks both clips with
 * the quality gate and adds the model versions.
 */
export interface BundleRequest {
  source: AudioData;
  /** The one-shot reference recording, when the conversion's target was one (saved as reference.wav). */
  reference?: AudioData;
  result: Pick<ConvertResult, 'audio' | 'timings' | 'similarity' | 'variant' | 'anomaly' | 'rtf'> & Partial<Pick<ConvertResult, 'synthesis'>>;
  settings: {
    /** The target as the user sees it (voice name, blend label, or the reference recording's name). */
    voice: string;
    /** 'reference' for a one-shot reference recording (then `mix` is empty); default: a voice or blend from `mix`. */
    target?: 'voice' | 'blend' | 'reference';
    mix: MixEntry[];
    pitchSemitones: number;
    /** The quality setting of the conversion. */
    quality?: VocoderQuality;
  };
  /** Suggested file name without directories; the extension is .zip. */
  name: string;
}

export type ApiErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'BAD_AUDIO'
  | 'MODEL_ERROR'
  | 'CANCELLED'
  | 'IO_ERROR'
  | 'BUSY'
  /** The engine process stopped (crashed or was killed) while the call ran; it was restarted. */
  | 'ENGINE_RESTARTED'
  | 'INTERNAL';

export interface ApiErrorInfo {
  code: ApiErrorCode;
  message: string;
}

/** The calls, by name: argument type and result type. One definition used by every transport. */
export interface VoiceApiCalls {
  version: { args: void; result: VersionInfo };
  listVoices: { args: void; result: VoiceInfo[] };
  previewVoice: { args: VoiceIdRequest; result: AudioData };
  enrollVoice: { args: EnrollRequest; result: VoiceInfo };
  renameVoice: { args: RenameRequest; result: VoiceInfo };
  deleteVoice: { args: VoiceIdRequest; result: { deleted: true } };
  analyze: { args: AnalyzeRequest; result: AnalysisReport };
  startConversion: { args: ConvertRequest; result: ConversionStarted };
  getJob: { args: JobIdRequest; result: JobStatus };
  cancelJob: { args: JobIdRequest; result: { cancelled: boolean } };
  exportClip: { args: ExportRequest; result: ExportResult };
  exportBundle: { args: BundleRequest; result: ExportResult };
}

export type CallName = keyof VoiceApiCalls;

/** The API as the renderer sees it: one async function per call. */
export type VoiceApi = {
  [K in CallName]: VoiceApiCalls[K]['args'] extends void
    ? () => Promise<VoiceApiCalls[K]['result']>
    : (args: VoiceApiCalls[K]['args']) => Promise<VoiceApiCalls[K]['result']>;
};

/** Every call name, in a fixed order (preload and transports iterate it). */
export const CALL_NAMES: readonly CallName[] = [
  'version',
  'listVoices',
  'previewVoice',
  'enrollVoice',
  'renameVoice',
  'deleteVoice',
  'analyze',
  'startConversion',
  'getJob',
  'cancelJob',
  'exportClip',
  'exportBundle',
] as const;

/**
 * What the engine pushes to the renderer (WebSocket in web mode, IPC in Electron), so nothing polls.
 * `at` is the engine's wall clock in ms (performance.timeOrigin + now) when the event left it, so a
 * receiver on the same machine can measure the delivery latency.
 */
export type VoiceEvent =
  /** A job changed: queued, started, progressed, or ended. Ends carry no result: fetch it once with getJob. */
  | { type: 'job'; job: Omit<JobStatus, 'result'>; at: number }
  /** The engine process stopped and a new one was started: calls and jobs in flight failed with ENGINE_RESTARTED. */
  | { type: 'engine'; state: 'restarted'; message: string; at: number }
  /** The event channel itself (re)connected (sent by the renderer's transport, not the engine): resync state. */
  | { type: 'channel'; state: 'open' | 'closed'; at: number };

/** Stops a subscription; calling it twice is harmless. */
export type Unsubscribe = () => void;

/** The pushed-event side of the API, the same shape on every transport. */
export interface VoiceEvents {
  /** Calls `listener` for every event from now on until the returned function is called. */
  subscribe(listener: (event: VoiceEvent) => void): Unsubscribe;
}

// ---- Live mode (issue 16): messages of a live session ----------------------------------------------
// One live session per connection (a WebSocket at LIVE_PATH in web mode, a MessagePort in Electron).
// Control and statistics are plain objects (JSON text frames on the WebSocket); audio blocks are
// 16 kHz mono float32 (binary frames on the WebSocket, LIVE_FRAME_HEADER_BYTES of header, see
// src/api/live-frames.ts; structured clones on a MessagePort).

/** The web-mode path of the live audio WebSocket. */
export const LIVE_PATH = '/api/live';
/** Sample rate of live audio in both directions, Hz (the model rate). */
export const LIVE_SAMPLE_RATE = 16000;
/** Bytes of the binary audio frame header: u8 kind (1) | u8 stream (0 mic, 1 converted) | u16 flags | u32 sequence | u32 sample rate. */
export const LIVE_FRAME_HEADER_BYTES = 12;
/** Block lengths a live session accepts, ms (rounded to whole 16 ms hops by the engine). */
export const LIVE_BLOCK_MS = { min: 16, max: 256 } as const;

/** Starts the session's converter toward a voice or blend. */
export interface LiveStartMessage {
  type: 'start';
  target: { mix: MixEntry[] };
  pitchSemitones?: number;
  /** Block length, ms. Default: the engine's for the model's graphs (32 with the streaming graphs, else 64). */
  blockMs?: number;
}

/** One block of microphone audio (16 kHz mono), numbered from 0 by the sender. */
export interface LiveAudioMessage {
  type: 'audio';
  seq: number;
  samples: Float32Array;
  /** Set on converted blocks after one or more blocks were dropped (the receiver fades in). */
  afterDrop?: boolean;
}

/** What the renderer sends on a live connection. */
export type LiveClientMessage = LiveStartMessage | LiveAudioMessage | { type: 'stop' };

/** The converter's figures, sent once it runs (ms unless named otherwise). */
export interface LiveConfigInfo {
  sampleRate: number;
  blockSamples: number;
  blockMs: number;
  /** Model lookahead (frames treated as final only this far behind the newest sample). */
  lookaheadMs: number;
  /** Analysis/synthesis window overlap (n_fft/2 - hop). */
  synthesisOverlapMs: number;
  /** lookahead + overlap: how far the converted stream is behind the input stream, in samples. */
  delaySamples: number;
  /** Compute allowance of the engine's schedule before a block is dropped. */
  computeAllowanceMs: number;
  /** The synthesis in use (e.g. neural-fast). */
  vocoder: string;
}

/** Periodic statistics of a live session (about twice a second, and at the end). */
export interface LiveStats {
  /** Blocks received from the renderer. */
  received: number;
  /** Blocks converted. */
  processed: number;
  /** Blocks the converter dropped because compute fell behind (crossfaded). */
  dropped: number;
  /** Blocks dropped because they arrived faster than the engine converts (bounded queue). */
  queueDrops: number;
  /** Converted blocks not sent because the connection was backed up (web mode). */
  sendDrops: number;
  /** Processed blocks whose compute took longer than a block. */
  deadlineMisses: number;
  /** Per-block compute, ms, over the whole session. */
  computeP50: number;
  computeP95: number;
  computeMax: number;
  /** Engine load: compute time / wall time over the last interval (1 = the engine is busy all the time). */
  load: number;
  /** Blocks waiting in the engine's queue now. */
  queued: number;
}

/** What the engine sends on a live connection. */
export type LiveServerMessage =
  | { type: 'started'; config: LiveConfigInfo }
  | LiveAudioMessage
  | ({ type: 'stats' } & LiveStats)
  | ({ type: 'stopped' } & LiveStats)
  | { type: 'error'; error: ApiErrorInfo };

/** Electron's live channel (the preload's `voiceLive`): a MessagePort to the live engine process behind it. */
export interface VoiceLive {
  /** Opens a connection; `onMessage` gets the engine's messages, `onClose` its end. */
  connect(onMessage: (message: LiveServerMessage) => void, onClose: () => void): { send(message: LiveClientMessage): void; close(): void };
}
