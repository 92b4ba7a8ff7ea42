// The command-line tool `vc` (DESIGN §5): the same engine as the app, for scripts and terminals.
//   vc convert <input> --voice <id|name|id=w,id=w|reference-audio> [--pitch N] [--out file] [--format wav|flac] [--bundle DIR] [--json]
//   vc voices [--json]      vc enroll <audio> --name N [--json]      vc analyze <input> [--json]      vc bench
// A progress bar goes to stderr on a terminal; --json prints one JSON object on stdout. Failures print
// one clear line on stderr and exit non-zero; output files are written atomically, so a failure or
// Ctrl+C never leaves a (partial) output file behind.
// The CLI enters the engine through the same handler table as the Electron and web transports
// (createHandlerTable over the service): the table validates every request, conversions run as jobs
// whose pushed events drive the progress bar, and a one-shot reference is a ConvertRequest target.
// What stays here: argument parsing, decoding input files, writing output files, printing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, fromErrorInfo, toErrorInfo, unwrap } from './api/errors.js';
import { safeFileStem } from './api/file-names.js';
import { createHandlerTable, type HandlerTable } from './api/handlers.js';
import type {
  AudioData,
  CallName,
  ConvertRequest,
  ConvertResult,
  ConvertTarget,
  ExportBitDepth,
  ExportFormat,
  MixEntry,
  SpeakerMatch,
  VocoderQuality,
  VoiceApiCalls,
  VoiceEvents,
} from './api/types.js';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, VOCODER_QUALITIES } from './api/types.js';
import { LIMITS } from './api/validate.js';
import { decodeAudioFile } from './audio/decode.js';
import { writeFileAtomic } from './audio/write-atomic.js';
import { buildBundleFiles, gateVerdict, modelIdentity, writeBundleDir } from './engine/bundle.js';
import { VERDICT_WORDS } from './quality-gate/meter.js';
import { findVoice } from './find-voice.js';
import { defaultUserDataDir } from './paths.js';
import { createVoiceService, decodeFailure, type VoiceService } from './service.js';
import { encodeWav } from './audio/wav-encode.js';
import { toModelAudio } from './pipeline/model-audio.js';
import { streamFile } from './stream/stream-command.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: vc <command> [options]

Commands:
  convert <input> --voice <voice|reference-audio|voice=w,voice=w>  convert speech to another voice
      (a voice: its id or its name, any case; the output goes next to the input unless --out file)
      [--pitch N] (semitones, -24..24)  [--out file]  [--format wav|flac]  [--rate 16000|22050|44100|48000]
      [--bits 16|24|32]  [--quality best|fast|classic] (best: the neural vocoder, default; fast: quicker
      previews; classic: Griffin-Lim, for input whose pitch cannot be tracked)  [--variant continuous|vq] (vq: discrete codes, stronger
      conversion, some loss of clarity; needs an export with the VQ graphs)  [--json]
      [--bundle DIR] (a comparison bundle instead of the output file: source.wav, reference.wav (one-shot),
      result.wav, metrics.json, spectrogram.png in a new folder DIR; with --out, the output file too)
  voices [--json]                    list built-in and enrolled voices
  enroll <audio> --name N [--json]   enroll a voice from 3-30 s of someone's speech
  analyze <input> [--json]           levels, clipping, SNR, anomaly and a verdict
  stream <input> --voice V --out F   the live-mode converter on a file, in real-time-sized blocks; prints the
      latency parts, compute per block and deadline misses as JSON  [--realtime] (pace at 1x, as a live
      source)  [--block-ms N] (16-512, default 32 with the streaming graphs, else 64)  [--quality fast|best]  [--pitch N]
  bench                              time the pipeline on a 10 s clip (JSON on the last line)

Common options: --models <dir>  --data <dir> (enrolled voices; default $VOICESHIFT_DATA_DIR, else $XDG_DATA_HOME/voiceshift, else ~/.local/share/voiceshift)
  --threads N  --json  -h, --help`;

/** Where the CLI writes. Tests pass their own. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress bar). */
  isTTY: boolean;
  cwd: string;
  /** Fires on Ctrl+C. */
  signal?: AbortSignal;
}

interface Parsed {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['voice', 'pitch', 'out', 'format', 'rate', 'bits', 'quality', 'name', 'models', 'data', 'threads', 'chunk', 'variant', 'bundle', 'block-ms']);
const BOOL_FLAGS = new Set(['json', 'help', 'realtime']);

function usage(message: string): ApiError {
  return new ApiError('INVALID_ARGUMENT', `${message} (run "vc --help" for usage)`);
}

/** Parses argv (without node and script). */
export function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') flags.set('help', true);
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (BOOL_FLAGS.has(name)) flags.set(name, true);
      else if (VALUE_FLAGS.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw usage(`--${name} needs a value`);
        flags.set(name, v);
      } else throw usage(`Unknown option ${a}`);
    } else positional.push(a);
  }
  return { command: positional.shift() ?? '', positional, flags };
}

function numberFlag(p: Parsed, name: string, min: number, max: number, integer = false): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw usage(`--${name} must be ${integer ? 'a whole number' : 'a number'} between ${min} and ${max}`);
  }
  return n;
}

function variantFlag(p: Parsed): 'continuous' | 'vq' | undefined {
  const v = stringFlag(p, 'variant');
  if (v === undefined || v === 'continuous' || v === 'vq') return v;
  throw usage('--variant must be continuous or vq');
}

function qualityFlag(p: Parsed): VocoderQuality | undefined {
  const v = stringFlag(p, 'quality');
  if (v === undefined || (VOCODER_QUALITIES as readonly string[]).includes(v)) return v as VocoderQuality | undefined;
  throw usage(`--quality must be ${VOCODER_QUALITIES.join(', ')}`);
}

function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Decodes an audio file (the handler table validates the samples with the request). */
async function readAudio(file: string, cwd: string, what: string): Promise<AudioData> {
  let decoded;
  try {
    decoded = await decodeAudioFile(path.resolve(cwd, file));
  } catch (err) {
    throw decodeFailure(err, `${what} "${file}"`);
  }
  return { sampleRate: decoded.sampleRate, channels: decoded.channels };
}

/** One VoiceApi call through the handler table; a failed envelope becomes a thrown ApiError. */
type Call = <K extends CallName>(name: K, args: VoiceApiCalls[K]['args']) => Promise<VoiceApiCalls[K]['result']>;

/** What the commands use: the calls, and the pushed events (job progress and ends). */
interface Api {
  call: Call;
  events: VoiceEvents;
}

/** A progress bar on stderr (terminals only), cleared when done. */
function progressBar(io: CliIo, enabled: boolean): { update(stage: string, p: number): void; done(): void } {
  let last = '';
  return {
    update(stage, p) {
      if (!enabled) return;
      const width = 30;
      const fill = Math.round(p * width);
      const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(Math.round(p * 100)).padStart(3)}% ${stage}`;
      if (line !== last) io.stderr(`\r${line.padEnd(60)}`);
      last = line;
    },
    done() {
      if (enabled && last) io.stderr(`\r${' '.repeat(60)}\r`);
      last = '';
    },
  };
}

/** Parses "voice", or a blend "voice=w,voice=w" when every part has a weight (a voice: an id or a display name). */
function parseMix(spec: string): MixEntry[] | null {
  const parts = spec.split(',');
  if (parts.length === 1 && !spec.includes('=')) return [{ voiceId: spec, weight: 1 }];
  const mix: MixEntry[] = [];
  for (const part of parts) {
    const m = /^([^=,]+)=([0-9.]+)$/.exec(part.trim());
    if (!m) return null;
    mix.push({ voiceId: m[1].trim(), weight: Number(m[2]) });
  }
  return mix;
}

/** The conversion target of --voice: a voice or blend from the library, else a reference audio file (one-shot). */
async function resolveVoice(
  api: Api,
  spec: string,
  io: CliIo,
): Promise<{ target: ConvertTarget; label: string; kind: 'voice' | 'blend' | 'reference'; mix?: MixEntry[]; reference?: AudioData }> {
  const voices = await api.call('listVoices', undefined);
  const known = (id: string): boolean => voices.some((v) => v.id === id);
  // Display names resolve to ids; a name of several voices is refused rather than guessed.
  const mix = parseMix(spec)?.map((m) => ({ ...m, voiceId: findVoice(voices, m.voiceId)?.id ?? m.voiceId })) ?? null;
  if (mix && mix.every((m) => known(m.voiceId))) {
    // Blend size and weights are checked by the handler table, as for the app.
    const label = mix.length === 1 ? mix[0].voiceId : mix.map((m) => m.voiceId).join('+');
    return { target: { mix }, label, kind: mix.length === 1 ? 'voice' : 'blend', mix };
  }
  const file = path.resolve(io.cwd, spec);
  if (fs.existsSync(file) && fs.statSync(file).isFile()) {
    const reference = await readAudio(spec, io.cwd, 'Reference audio');
    return { target: { reference }, label: safeFileStem(path.basename(spec).replace(/\.[^.]+$/, '')), kind: 'reference', reference };
  }
  const unknown = mix ? mix.find((m) => !known(m.voiceId))?.voiceId : spec;
  throw new ApiError('NOT_FOUND', `"${unknown}" is neither a voice (id or name) nor an audio file. Run "vc voices" to list the voices.`);
}

/**
 * `vc stream`: the live-mode converter (src/stream) on a file. The target resolves like --voice of convert;
 * the output is aligned with the input (the stream's delay removed) and written as a 16 kHz WAV.
 */
async function cmdStream(p: Parsed, api: Api, service: VoiceService, io: CliIo): Promise<void> {
  const input = p.positional[0];
  if (!input) throw usage('stream needs an input file');
  const spec = stringFlag(p, 'voice');
  if (!spec) throw usage('stream needs --voice <id|reference-audio>');
  const outFlag = stringFlag(p, 'out');
  if (!outFlag || !/\.wav$/i.test(outFlag)) throw usage('stream needs --out file.wav');
  const quality = qualityFlag(p) ?? 'fast';
  if (quality === 'classic') throw usage('--quality classic is not available for streaming (Griffin-Lim blocks do not join); use fast or best');
  const source = await readAudio(input, io.cwd, 'Input audio');
  const { mix, reference } = await resolveVoice(api, spec, io);
  const engine = await service.engine();
  const target = mix ? engine.resolveTarget(mix) : await engine.targetFromReference(reference!, io.signal);
  const { audio, report } = await streamFile(engine, toModelAudio(source), target, {
    realtime: p.flags.has('realtime'),
    blockMs: numberFlag(p, 'block-ms', 16, 512),
    quality,
    pitchSemitones: numberFlag(p, 'pitch', -LIMITS.maxPitchSemitones, LIMITS.maxPitchSemitones) ?? 0,
  });
  if (io.signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled.');
  const out = path.resolve(io.cwd, outFlag);
  await writeOutput(out, encodeWav({ sampleRate: 16000, channels: [audio] }));
  io.stdout(JSON.stringify({ ok: true, output: out, ...report }) + '\n');
}

/**
 * Runs a conversion as a job: starts it, draws the pushed progress, cancels it on Ctrl+C, and fetches
 * the result once at the end (as the app does). Warnings of the request (a short reference) go to
 * stderr before the work.
 */
async function convertJob(api: Api, req: ConvertRequest, io: CliIo, bar: ReturnType<typeof progressBar>): Promise<{ result: ConvertResult; warnings: string[] }> {
  let jobId: string | null = null;
  const ended = new Set<string>();
  let settle!: () => void;
  const end = new Promise<void>((resolve) => (settle = resolve));
  // Subscribe before starting: events may come before the call's answer.
  const unsubscribe = api.events.subscribe((e) => {
    if (e.type !== 'job' || (jobId !== null && e.job.jobId !== jobId)) return;
    const { state } = e.job;
    if (state === 'running') bar.update(e.job.stage, e.job.progress);
    if (state === 'done' || state === 'failed' || state === 'cancelled') {
      ended.add(e.job.jobId);
      if (e.job.jobId === jobId) settle();
    }
  });
  const cancel = (): void => {
    if (jobId) void api.call('cancelJob', { jobId }).catch(() => {});
  };
  io.signal?.addEventListener('abort', cancel);
  try {
    if (io.signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled.');
    const started = await api.call('startConversion', req);
    jobId = started.jobId;
    const warnings = started.warnings ?? [];
    if (warnings.length > 0) {
      bar.done();
      // A short one-shot reference is accepted with a caution (issue 11): say it before the result.
      for (const w of warnings) io.stderr(`vc: warning: ${w}\n`);
    }
    if (ended.has(jobId)) settle();
    if (io.signal?.aborted) cancel();
    await end;
    const status = await api.call('getJob', { jobId });
    if (status.state === 'done' && status.result) return { result: status.result, warnings };
    if (status.state === 'cancelled') throw new ApiError('CANCELLED', 'Cancelled.');
    throw status.error ? fromErrorInfo(status.error) : new ApiError('INTERNAL', 'The conversion failed.');
  } finally {
    unsubscribe();
    io.signal?.removeEventListener('abort', cancel);
    bar.done();
  }
}

/** Writes `bytes` to `file` atomically; refuses to write into a missing directory. */
async function writeOutput(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) throw new ApiError('IO_ERROR', `The output folder ${dir} does not exist.`);
  try {
    await writeFileAtomic(file, bytes);
  } catch (err) {
    throw new ApiError('IO_ERROR', `Could not write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
}

async function cmdConvert(p: Parsed, api: Api, io: CliIo): Promise<void> {
  const input = p.positional[0];
  if (!input) throw usage('convert needs an input file');
  const spec = stringFlag(p, 'voice');
  if (!spec) throw usage('convert needs --voice <id|reference-audio>');
  const pitch = numberFlag(p, 'pitch', -LIMITS.maxPitchSemitones, LIMITS.maxPitchSemitones) ?? 0;
  const quality = qualityFlag(p);
  const outFlag = stringFlag(p, 'out');
  // Formats, rates and depths come from EXPORT_FORMATS, as the API's validation and the UI's menus.
  const outExt = outFlag ? path.extname(outFlag).slice(1).toLowerCase() : '';
  const formatOfExt = EXPORT_FORMAT_NAMES.find((f) => EXPORT_FORMATS[f].extension === outExt);
  const format = (stringFlag(p, 'format') ?? formatOfExt ?? 'wav') as ExportFormat;
  if (!EXPORT_FORMAT_NAMES.includes(format)) throw usage(`--format must be ${EXPORT_FORMAT_NAMES.join(' or ')}`);
  const formatSpec = EXPORT_FORMATS[format];
  if (formatOfExt && formatOfExt !== format) throw usage(`--out ends in .${outExt} but --format is ${format}`);
  const rate = numberFlag(p, 'rate', 8000, 48000, true) ?? 16000;
  if (!(formatSpec.sampleRates as readonly number[]).includes(rate)) throw usage(`--rate must be ${formatSpec.sampleRates.slice(0, -1).join(', ')} or ${formatSpec.sampleRates[formatSpec.sampleRates.length - 1]}`);
  const bits = (numberFlag(p, 'bits', 16, 32, true) ?? 16) as ExportBitDepth;
  if (!(formatSpec.bitDepths as readonly number[]).includes(bits)) throw usage('--bits must be 16 or 24 (or 32 for WAV)');

  const variant = variantFlag(p);
  const bundleFlag = stringFlag(p, 'bundle');
  const bundleDir = bundleFlag ? path.resolve(io.cwd, bundleFlag) : undefined;
  // Refuse an occupied bundle folder before the (long) conversion, not after it.
  if (bundleDir && fs.existsSync(bundleDir) && (!fs.statSync(bundleDir).isDirectory() || fs.readdirSync(bundleDir).length > 0)) {
    throw new ApiError('IO_ERROR', `${bundleDir} already exists and is not an empty folder; pick a new bundle folder.`);
  }
  const source = await readAudio(input, io.cwd, 'Input audio');
  const { target, label, kind, mix, reference } = await resolveVoice(api, spec, io);
  const stem = safeFileStem(path.basename(input).replace(/\.[^.]+$/, ''));
  // Without --out, the result goes next to the input (not into whatever folder the command ran in).
  const out = outFlag ? path.resolve(io.cwd, outFlag) : path.join(path.dirname(path.resolve(io.cwd, input)), `${stem}-${safeFileStem(label)}.${EXPORT_FORMATS[format].extension}`);
  const bar = progressBar(io, io.isTTY && !p.flags.has('json'));
  const { result, warnings } = await convertJob(
    api,
    // The same request the app sends; variant is ConvertRequest.variant, quality its quality setting.
    { source, target, pitchSemitones: pitch, ...(quality ? { quality } : {}), ...(variant ? { variant } : {}) },
    io,
    bar,
  );
  if (io.signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled.');
  if (bundleDir) {
    const inGate = await api.call('analyze', { audio: source });
    const outGate = await api.call('analyze', { audio: result.audio });
    if (io.signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled.');
    const modelsDir = stringFlag(p, 'models') ? path.resolve(io.cwd, stringFlag(p, 'models')!) : (process.env.VOICESHIFT_MODELS_DIR ?? path.join(ROOT, 'models'));
    const files = buildBundleFiles({
      source,
      reference,
      result,
      settings: { voice: label, target: kind, ...(mix ? { mix } : {}), pitchSemitones: pitch, ...(quality ? { quality } : {}) },
      version: await api.call('version', undefined),
      modelIdentity: modelIdentity(modelsDir),
      gates: { input: gateVerdict(inGate), output: gateVerdict(outGate) },
    });
    await writeBundleDir(bundleDir, files);
  }
  const writeFile = !bundleDir || !!outFlag;
  if (writeFile) {
    // exportClip encodes (the caller's sink here returns the bytes); the CLI writes them atomically.
    const clip = await api.call('exportClip', { audio: result.audio, format, sampleRate: rate, bitDepth: bits, name: stem });
    if (!clip.bytes) throw new ApiError('INTERNAL', 'The export returned no bytes.');
    await writeOutput(out, clip.bytes);
  }
  if (io.signal?.aborted) {
    if (writeFile) fs.rmSync(out, { force: true });
    if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
    throw new ApiError('CANCELLED', 'Cancelled.');
  }
  const summary = {
    ok: true,
    output: writeFile ? out : null,
    ...(bundleDir ? { bundle: bundleDir } : {}),
    voice: label,
    target: kind,
    seconds: Math.round((result.audio.channels[0].length / result.audio.sampleRate) * 1000) / 1000,
    variant: result.variant,
    synthesis: result.synthesis,
    similarity: result.similarity,
    warnings,
    rtf: result.rtf,
    timings: result.timings,
    quality: result.anomaly,
  };
  if (p.flags.has('json')) io.stdout(JSON.stringify(summary) + '\n');
  else {
    const shownPath = (f: string): string => {
      const rel = path.relative(io.cwd, f);
      return rel && !rel.startsWith('..') ? rel : f;
    };
    const wrote = [writeFile ? shownPath(out) : '', bundleDir ? `the bundle ${shownPath(bundleDir)}` : ''].filter(Boolean).join(' and ');
    io.stdout(`Wrote ${wrote} (${summary.seconds} s, voice ${label}) in ${(result.timings.total / 1000).toFixed(2)} s, RTF ${result.rtf}\n`);
    io.stdout(`${meterLine('target', result.similarity.toTarget)}\n${meterLine('source', result.similarity.toSource)}\n`);
    if (result.anomaly.verdict !== 'ok') io.stdout(`Input quality (${result.anomaly.verdict}): ${result.anomaly.reasons.join(' ')}\n`);
  }
}

/** "Sounds like the target: likely (cosine 0.62, probability 0.93)", or "not shown" with the reason. */
export function meterLine(what: 'target' | 'source', m: SpeakerMatch): string {
  if (!m.verdict) return `Sounds like the ${what}: not shown (${m.reason ?? 'not measured'})`;
  return `Sounds like the ${what}: ${VERDICT_WORDS[m.verdict]} (verifier cosine ${m.cosine?.toFixed(3)}, probability ${m.probability?.toFixed(2)})`;
}

async function cmdVoices(p: Parsed, api: Api, io: CliIo): Promise<void> {
  const voices = await api.call('listVoices', undefined);
  if (p.flags.has('json')) {
    io.stdout(JSON.stringify({ ok: true, voices }) + '\n');
    return;
  }
  const rows = voices.map((v) => [v.id, v.name, v.kind, v.gender ?? '', v.meanF0Hz ? `${Math.round(v.meanF0Hz)} Hz` : '', v.licence]);
  const head = ['ID', 'NAME', 'KIND', 'GENDER', 'F0', 'LICENCE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) io.stdout(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
}

async function cmdEnroll(p: Parsed, api: Api, io: CliIo): Promise<void> {
  const file = p.positional[0];
  if (!file) throw usage('enroll needs an audio file');
  const name = stringFlag(p, 'name');
  if (!name) throw usage('enroll needs --name <name>');
  const ref = await readAudio(file, io.cwd, 'Reference audio');
  const info = await api.call('enrollVoice', { name, audio: ref });
  if (p.flags.has('json')) io.stdout(JSON.stringify({ ok: true, voice: info }) + '\n');
  else io.stdout(`Enrolled "${info.name}" as ${info.id} (mean F0 ${Math.round(info.meanF0Hz ?? 0)} Hz).\n`);
}

async function cmdAnalyze(p: Parsed, api: Api, io: CliIo): Promise<void> {
  const file = p.positional[0];
  if (!file) throw usage('analyze needs an input file');
  const a = await readAudio(file, io.cwd, 'Input audio');
  const report = await api.call('analyze', { audio: a });
  if (p.flags.has('json')) {
    io.stdout(JSON.stringify({ ok: true, report }) + '\n');
    return;
  }
  io.stdout(
    [
      `Duration ${report.durationSec.toFixed(2)} s, ${report.sampleRate} Hz, ${report.channels} channel(s)`,
      `Peak ${report.peakDb.toFixed(1)} dBFS, RMS ${report.rmsDb.toFixed(1)} dBFS, loudness ${report.loudnessLufs.toFixed(1)} LUFS`,
      `Clipping ${(report.clippingRatio * 100).toFixed(3)}%, SNR ~${report.snrDb.toFixed(0)} dB, silence ${Math.round(report.silenceRatio * 100)}%`,
      `Anomaly: mean score ${report.anomaly.meanScore.toFixed(2)} (threshold ${report.anomaly.threshold}), ${report.flagged.length} flagged region(s)`,
      ...report.flagged.map((r) => `  ${r.start.toFixed(2)}-${r.end.toFixed(2)} s: ${r.reason}`),
      `Verdict: ${report.verdict.toUpperCase()}: ${report.reasons.join(' ')}`,
    ].join('\n') + '\n',
  );
}

/**
 * Runs the CLI.
 * @returns the process exit code (0 ok, 1 failure, 2 usage, 130 cancelled)
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed | undefined;
  const service = (() => {
    let s: ReturnType<typeof createVoiceService> | undefined;
    return {
      get: () => {
        const p = parsed!;
        s ??= createVoiceService({
          root: ROOT,
          userDataDir: stringFlag(p, 'data') ? path.resolve(io.cwd, stringFlag(p, 'data')!) : defaultUserDataDir(),
          modelsDir: stringFlag(p, 'models') ? path.resolve(io.cwd, stringFlag(p, 'models')!) : process.env.VOICESHIFT_MODELS_DIR,
          intraOpNumThreads: numberFlag(p, 'threads', 1, 64, true),
          chunkSeconds: numberFlag(p, 'chunk', 2, 120),
        });
        return s;
      },
      dispose: () => s?.dispose(),
    };
  })();
  // The same handler table as the transports, over this process's service ('direct').
  let table: HandlerTable | undefined;
  const api: Api = {
    call: async (name, args) => {
      table ??= createHandlerTable(service.get());
      const envelope = await (table[name] as (a: unknown, ctx: { transport: 'direct'; signal?: AbortSignal }) => ReturnType<HandlerTable[typeof name]>)(args, {
        transport: 'direct',
        signal: io.signal,
      });
      return unwrap(envelope) as never;
    },
    events: { subscribe: (listener) => service.get().subscribe(listener) },
  };
  try {
    parsed = parseArgs(argv);
    if (parsed.flags.has('help') || parsed.command === 'help' || parsed.command === '') {
      io.stdout(USAGE + '\n');
      return parsed.command === '' && !parsed.flags.has('help') ? 2 : 0;
    }
    switch (parsed.command) {
      case 'convert':
        await cmdConvert(parsed, api, io);
        break;
      case 'voices':
        await cmdVoices(parsed, api, io);
        break;
      case 'enroll':
        await cmdEnroll(parsed, api, io);
        break;
      case 'analyze':
        await cmdAnalyze(parsed, api, io);
        break;
      case 'stream':
        await cmdStream(parsed, api, service.get(), io);
        break;
      case 'bench': {
        // The bench is its own script (npm run bench); run it in a fresh process so its memory figures are its own.
        const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'bench.ts'), ...argv.slice(1)], { cwd: ROOT, stdio: 'inherit' });
        if (r.status !== 0) throw new ApiError('INTERNAL', `The benchmark failed (exit ${r.status ?? r.signal}).`);
        break;
      }
      default:
        throw usage(`Unknown command "${parsed.command}"`);
    }
    return 0;
  } catch (err) {
    const info = toErrorInfo(io.signal?.aborted ? new ApiError('CANCELLED', 'Cancelled; no output was written.') : err);
    if (info.code === 'INTERNAL' && process.env.VC_DEBUG) io.stderr(String((err as Error)?.stack) + '\n');
    io.stderr(`vc: ${info.message}\n`);
    if (parsed?.flags.has('json')) io.stdout(JSON.stringify({ ok: false, error: info }) + '\n');
    return info.code === 'CANCELLED' ? 130 : info.code === 'INVALID_ARGUMENT' ? 2 : 1;
  } finally {
    await service.dispose();
  }
}

/** Entry point for a real process: Ctrl+C cancels (a second one exits at once). */
export async function main(argv = process.argv.slice(2)): Promise<never> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  });
  const code = await runCli(argv, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: !!process.stderr.isTTY,
    // `npm run vc` runs in the package root; INIT_CWD is where the user typed the command.
    cwd: process.env.INIT_CWD && fs.existsSync(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd(),
    signal: controller.signal,
  });
  process.exit(code);
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url) || invoked === fileURLToPath(import.meta.url).replace(/\.ts$/, '')) void main();
