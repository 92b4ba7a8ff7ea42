// Runtime validation of every VoiceApi argument. Arguments arrive from a renderer or an HTTP client
// that we do not trust, so each call checks shapes, types, ranges and sizes before the engine sees
// them, and says in plain words what was wrong.
import { invalid } from './errors.js';
import { safeFileStem } from './file-names.js';
import type {
  AnalyzeRequest,
  AudioData,
  BundleRequest,
  CallName,
  ConvertRequest,
  ConvertTarget,
  EnrollRequest,
  ExportBitDepth,
  ExportFormat,
  ExportFormatSpec,
  ExportRequest,
  JobIdRequest,
  MixEntry,
  RenameRequest,
  SpeakerMatch,
  Verdict,
  VoiceApiCalls,
  VocoderQuality,
  VoiceIdRequest,
} from './types.js';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, PITCH_RANGE_SEMITONES, VOCODER_QUALITIES } from './types.js';

/** The one sanitiser, re-exported where the API's other checks live. */
export { safeFileStem };

/** Limits on what a call may carry. */
export const LIMITS = {
  /** Longest audio accepted through the API, in seconds (a 60-minute file fits). */
  maxAudioSeconds: 65 * 60,
  minSampleRate: 4000,
  maxSampleRate: 384_000,
  maxChannels: 8,
  maxNameLength: 80,
  maxIdLength: 128,
  maxMixEntries: 8,
  maxPitchSemitones: PITCH_RANGE_SEMITONES,
  /** Longest clip a comparison bundle holds, in seconds (bounds the zip: two 16-bit clips). */
  maxBundleSeconds: 20 * 60,
  /** Most timing stages, meter reasons or gate reasons a bundle request may carry. */
  maxBundleListItems: 32,
} as const;

type Obj = Record<string, unknown>;

function object(value: unknown, what: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${what} must be an object.`);
  }
  return value as Obj;
}

function onlyKeys(obj: Obj, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw invalid(`${what} has an unknown field "${key}".`);
  }
}

function finite(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${what} must be a finite number.`);
  if (value < min || value > max) throw invalid(`${what} must be between ${min} and ${max} (got ${value}).`);
  return value;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  const n = finite(value, what, min, max);
  if (!Number.isInteger(n)) throw invalid(`${what} must be a whole number.`);
  return n;
}

/** A non-empty printable string without control characters. */
export function text(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string') throw invalid(`${what} must be text.`);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalid(`${what} must not be empty.`);
  if (trimmed.length > maxLength) throw invalid(`${what} must be at most ${maxLength} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw invalid(`${what} must not contain control characters.`);
  return trimmed;
}

function id(value: unknown, what: string): string {
  const s = text(value, what, LIMITS.maxIdLength);
  if (!/^[A-Za-z0-9_.:-]+$/.test(s)) throw invalid(`${what} may contain only letters, digits and . _ : -`);
  return s;
}

/** Checks an AudioData value: rate, channel count, equal lengths, size, finite samples. */
export function audio(value: unknown, what = 'audio'): AudioData {
  const obj = object(value, what);
  onlyKeys(obj, ['sampleRate', 'channels'], what);
  const sampleRate = integer(obj.sampleRate, `${what}.sampleRate`, LIMITS.minSampleRate, LIMITS.maxSampleRate);
  const channels = obj.channels;
  if (!Array.isArray(channels)) throw invalid(`${what}.channels must be a list of Float32Array.`);
  if (channels.length < 1 || channels.length > LIMITS.maxChannels) {
    throw invalid(`${what} must have between 1 and ${LIMITS.maxChannels} channels (got ${channels.length}).`);
  }
  const length = (channels[0] as Float32Array | undefined)?.length ?? 0;
  for (const [i, ch] of channels.entries()) {
    if (!(ch instanceof Float32Array)) throw invalid(`${what}.channels[${i}] must be a Float32Array.`);
    if (ch.length !== length) throw invalid(`${what} channels must all have the same length.`);
  }
  if (length === 0) throw invalid(`${what} is empty: it has no samples.`);
  if (length / sampleRate > LIMITS.maxAudioSeconds) {
    throw invalid(`${what} is too long: at most ${LIMITS.maxAudioSeconds / 60} minutes are accepted.`);
  }
  for (const ch of channels as Float32Array[]) {
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i])) throw invalid(`${what} contains samples that are not finite numbers.`);
    }
  }
  return { sampleRate, channels: channels as Float32Array[] };
}

function none(args: unknown, call: string): void {
  if (args !== undefined && args !== null && !(typeof args === 'object' && Object.keys(args as Obj).length === 0)) {
    throw invalid(`${call} takes no arguments.`);
  }
}

function voiceIdRequest(args: unknown): VoiceIdRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['id'], 'The request');
  return { id: id(obj.id, 'Voice id') };
}

function jobIdRequest(args: unknown): JobIdRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['jobId'], 'The request');
  return { jobId: id(obj.jobId, 'Job id') };
}

function enrollRequest(args: unknown): EnrollRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['name', 'audio'], 'The request');
  return { name: text(obj.name, 'Voice name', LIMITS.maxNameLength), audio: audio(obj.audio, 'Reference audio') };
}

function renameRequest(args: unknown): RenameRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['id', 'name'], 'The request');
  return { id: id(obj.id, 'Voice id'), name: text(obj.name, 'Voice name', LIMITS.maxNameLength) };
}

function analyzeRequest(args: unknown): AnalyzeRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['audio'], 'The request');
  return { audio: audio(obj.audio) };
}

function mixList(value: unknown, what: string): MixEntry[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('Pick at least one target voice.');
  if (value.length > LIMITS.maxMixEntries) throw invalid(`A blend may hold at most ${LIMITS.maxMixEntries} voices.`);
  const seen = new Set<string>();
  // Array.from, not map: map skips the holes of a sparse list (IPC's structured clone keeps them).
  const mix = Array.from(value as unknown[], (entry, i) => {
    const e = object(entry, `${what}[${i}]`);
    onlyKeys(e, ['voiceId', 'weight'], `${what}[${i}]`);
    const voiceId = id(e.voiceId, `${what}[${i}].voiceId`);
    if (seen.has(voiceId)) throw invalid(`The blend lists voice "${voiceId}" twice.`);
    seen.add(voiceId);
    return { voiceId, weight: finite(e.weight, `Weight of voice "${voiceId}"`, 0, 1000) };
  });
  if (!mix.some((m) => m.weight > 0)) throw invalid('At least one voice in the blend needs a weight above zero.');
  return mix;
}

/** A quality setting name (VOCODER_QUALITIES). */
function quality(v: unknown, what: string): VocoderQuality {
  if (typeof v !== 'string' || !(VOCODER_QUALITIES as readonly string[]).includes(v)) {
    throw invalid(`${what} must be one of ${VOCODER_QUALITIES.map((q) => `"${q}"`).join(', ')}.`);
  }
  return v as VocoderQuality;
}

function synthesis(v: unknown): NonNullable<BundleRequest['result']['synthesis']> {
  const s = object(v, 'result.synthesis');
  onlyKeys(s, ['quality', 'vocoder'], 'result.synthesis');
  if (s.vocoder !== 'neural' && s.vocoder !== 'griffin-lim') throw invalid('result.synthesis.vocoder must be "neural" or "griffin-lim".');
  return { quality: quality(s.quality, 'result.synthesis.quality'), vocoder: s.vocoder };
}

/** A conversion target: exactly one of a library mix or a one-shot reference recording. */
function convertTarget(value: unknown): ConvertTarget {
  const target = object(value, 'target');
  onlyKeys(target, ['mix', 'reference'], 'target');
  const hasMix = target.mix !== undefined;
  const hasReference = target.reference !== undefined;
  if (hasMix && hasReference) throw invalid('The target is either a voice mix or a reference recording, not both.');
  if (hasReference) return { reference: audio(target.reference, 'Reference audio') };
  return { mix: mixList(target.mix, 'target.mix') };
}

function convertRequest(args: unknown): ConvertRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['source', 'target', 'pitchSemitones', 'quality', 'variant'], 'The request');
  const source = audio(obj.source, 'Source audio');
  const out: ConvertRequest = { source, target: convertTarget(obj.target) };
  if (obj.pitchSemitones !== undefined) {
    out.pitchSemitones = finite(obj.pitchSemitones, 'Pitch shift (semitones)', -LIMITS.maxPitchSemitones, LIMITS.maxPitchSemitones);
  }
  if (obj.quality !== undefined) out.quality = quality(obj.quality, 'Quality');
  if (obj.variant !== undefined) {
    if (obj.variant !== 'continuous' && obj.variant !== 'vq') throw invalid('Variant must be "continuous" or "vq".');
    out.variant = obj.variant;
  }
  return out;
}

/** Checks an export's format, rate and depth against EXPORT_FORMATS (shared with the CLI's flags). */
export function exportSettings(format: unknown, sampleRate: unknown, bitDepth: unknown): { format: ExportFormat; sampleRate: number; bitDepth: ExportBitDepth } {
  const names = EXPORT_FORMAT_NAMES;
  if (typeof format !== 'string' || !(names as string[]).includes(format)) {
    throw invalid(`Export format must be ${names.map((n) => `"${n}"`).join(' or ')}.`);
  }
  const spec: ExportFormatSpec = EXPORT_FORMATS[format as ExportFormat];
  if (!spec.sampleRates.includes(sampleRate as number)) {
    throw invalid(`Export sample rate must be ${listWords(spec.sampleRates)} Hz.`);
  }
  const allDepths = [...new Set(Object.values(EXPORT_FORMATS).flatMap((f) => [...f.bitDepths]))].sort((a, b) => a - b);
  if (!allDepths.includes(bitDepth as ExportBitDepth)) throw invalid(`Bit depth must be ${listWords(allDepths)}.`);
  if (!spec.bitDepths.includes(bitDepth as ExportBitDepth)) {
    const wider = names.find((n) => EXPORT_FORMATS[n].bitDepths.includes(bitDepth as never));
    throw invalid(`${spec.label} supports ${listWords(spec.bitDepths)} bits${wider ? `; pick ${EXPORT_FORMATS[wider].label} for ${bitDepth}-bit${bitDepth === 32 ? ' float' : ''}` : ''}.`);
  }
  return { format: format as ExportFormat, sampleRate: sampleRate as number, bitDepth: bitDepth as ExportBitDepth };
}

/** "a, b or c". */
function listWords(items: readonly (string | number)[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function exportRequest(args: unknown): ExportRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['audio', 'format', 'sampleRate', 'bitDepth', 'name'], 'The request');
  const settings = exportSettings(obj.format, obj.sampleRate, obj.bitDepth);
  return {
    audio: audio(obj.audio),
    ...settings,
    name: safeFileStem(text(obj.name, 'File name', 200)),
  };
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw invalid(`${what} must be a list of texts.`);
  if (value.length > LIMITS.maxBundleListItems) throw invalid(`${what} may hold at most ${LIMITS.maxBundleListItems} items.`);
  return Array.from(value as unknown[], (v, i) => text(v, `${what}[${i}]`, 500));
}

function verdict(value: unknown, what: string): Verdict {
  if (value !== 'ok' && value !== 'warn' && value !== 'reject') throw invalid(`${what} must be "ok", "warn" or "reject".`);
  return value;
}

function nullableNumber(value: unknown, what: string, min: number, max: number): number | null {
  return value === null ? null : finite(value, what, min, max);
}

function speakerMatch(value: unknown, what: string): SpeakerMatch {
  const o = object(value, what);
  onlyKeys(o, ['cosine', 'probability', 'verdict', 'reason'], what);
  const v = o.verdict;
  if (v !== null && v !== 'likely' && v !== 'unclear' && v !== 'unlikely') throw invalid(`${what}.verdict must be "likely", "unclear", "unlikely" or null.`);
  return {
    cosine: nullableNumber(o.cosine, `${what}.cosine`, -1, 1),
    probability: nullableNumber(o.probability, `${what}.probability`, 0, 1),
    verdict: v,
    reason: o.reason === null ? null : text(o.reason, `${what}.reason`, 500),
  };
}

function bundleAudio(value: unknown, what: string): AudioData {
  const a = audio(value, what);
  if (a.channels[0].length / a.sampleRate > LIMITS.maxBundleSeconds) {
    throw invalid(`${what} is too long for a comparison bundle: at most ${LIMITS.maxBundleSeconds / 60} minutes.`);
  }
  return a;
}

function bundleRequest(args: unknown): BundleRequest {
  const obj = object(args, 'The request');
  onlyKeys(obj, ['source', 'reference', 'result', 'settings', 'name'], 'The request');
  const r = object(obj.result, 'result');
  onlyKeys(r, ['audio', 'timings', 'similarity', 'variant', 'synthesis', 'anomaly', 'rtf'], 'result');
  const t = object(r.timings, 'result.timings');
  const keys = Object.keys(t);
  if (keys.length > LIMITS.maxBundleListItems) throw invalid(`result.timings may hold at most ${LIMITS.maxBundleListItems} stages.`);
  const timings: Record<string, number> = {};
  for (const k of keys) {
    if (!/^[A-Za-z0-9_]{1,40}$/.test(k)) throw invalid(`result.timings has a bad stage name "${k.slice(0, 40)}".`);
    timings[k] = finite(t[k], `result.timings.${k}`, 0, 1e9);
  }
  const sim = object(r.similarity, 'result.similarity');
  onlyKeys(sim, ['toTarget', 'toSource'], 'result.similarity');
  if (r.variant !== 'continuous' && r.variant !== 'vq') throw invalid('result.variant must be "continuous" or "vq".');
  const an = object(r.anomaly, 'result.anomaly');
  onlyKeys(an, ['verdict', 'reasons'], 'result.anomaly');
  const st = object(obj.settings, 'settings');
  onlyKeys(st, ['voice', 'target', 'mix', 'pitchSemitones', 'quality'], 'settings');
  if (st.target !== undefined && st.target !== 'voice' && st.target !== 'blend' && st.target !== 'reference') {
    throw invalid('settings.target must be "voice", "blend" or "reference".');
  }
  const oneShot = st.target === 'reference';
  // A one-shot conversion has no library voices: its mix is empty, and its reference comes along.
  if (oneShot && !(Array.isArray(st.mix) && st.mix.length === 0)) throw invalid('settings.mix must be empty when the target is a reference recording.');
  if (!oneShot && obj.reference !== undefined) throw invalid('A reference recording goes with settings.target "reference" only.');
  const settings: BundleRequest['settings'] = {
    voice: text(st.voice, 'settings.voice', 200),
    ...(st.target !== undefined ? { target: st.target } : {}),
    mix: oneShot ? [] : mixList(st.mix, 'settings.mix'),
    pitchSemitones: finite(st.pitchSemitones, 'settings.pitchSemitones', -LIMITS.maxPitchSemitones, LIMITS.maxPitchSemitones),
  };
  if (st.quality !== undefined) settings.quality = quality(st.quality, 'settings.quality');
  return {
    source: bundleAudio(obj.source, 'Source audio'),
    ...(obj.reference !== undefined ? { reference: bundleAudio(obj.reference, 'Reference audio') } : {}),
    result: {
      audio: bundleAudio(r.audio, 'Result audio'),
      timings,
      similarity: { toTarget: speakerMatch(sim.toTarget, 'result.similarity.toTarget'), toSource: speakerMatch(sim.toSource, 'result.similarity.toSource') },
      variant: r.variant,
      anomaly: { verdict: verdict(an.verdict, 'result.anomaly.verdict'), reasons: stringList(an.reasons, 'result.anomaly.reasons') },
      rtf: finite(r.rtf, 'result.rtf', 0, 1e6),
      ...(r.synthesis !== undefined ? { synthesis: synthesis(r.synthesis) } : {}),
    },
    settings,
    name: safeFileStem(text(obj.name, 'File name', 200)),
  };
}

type Validators = { [K in CallName]: (args: unknown) => VoiceApiCalls[K]['args'] };

/** One validator per call; each returns a clean copy of the arguments or throws INVALID_ARGUMENT. */
export const validators: Validators = {
  version: (a) => none(a, 'version'),
  listVoices: (a) => none(a, 'listVoices'),
  previewVoice: voiceIdRequest,
  enrollVoice: enrollRequest,
  renameVoice: renameRequest,
  deleteVoice: voiceIdRequest,
  analyze: analyzeRequest,
  startConversion: convertRequest,
  getJob: jobIdRequest,
  cancelJob: jobIdRequest,
  exportClip: exportRequest,
  exportBundle: bundleRequest,
};
