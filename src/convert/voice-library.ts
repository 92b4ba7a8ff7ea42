// The voice library: built-in voices from models/voices.json plus the user's enrolled voices, which
// persist in <userDataDir>/voices.json. The file is written atomically (temp file + rename); before
// each write the previous good version is kept as voices.json.bak. A corrupt file on load is kept
// aside as voices.json.corrupt-<time> and the library is restored from the backup (or starts empty),
// so a damaged file never stops the app. Enrolled previews are raw 16-bit PCM at 16 kHz in
// <userDataDir>/voices/<id>.s16. Built-in voices cannot be renamed or deleted.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApiError, invalid } from '../api/errors.js';
import type { VoiceInfo } from '../api/types.js';
import { writeFileAtomic } from '../audio/write-atomic.js';
import type { BuiltinVoiceEntry } from '../model/manifest.js';
import type { TargetVoice } from './pipeline.js';
import type { VoiceMap } from './voice-map.js';

/** File name of the enrolled-voice library inside the user data directory. */
export const LIBRARY_FILE = 'voices.json';
/** Version of the library file format. */
export const LIBRARY_VERSION = 1;

/** An enrolled voice as stored on disk. */
export interface EnrolledVoiceRecord {
  id: string;
  name: string;
  createdAt: string;
  embedding: number[];
  f0: { mean: number; std: number };
  /** Preview file name inside <userDataDir>/voices/, if one was stored. */
  preview?: string;
}

/** A voice the engine can convert to, with what the UI shows about it. */
export interface LibraryVoice {
  info: VoiceInfo;
  target: TargetVoice;
  /** Absolute path of the preview clip (WAV for built-ins, raw s16 for enrolled voices). */
  previewPath?: string;
}

/** What happened when a corrupt library file was found on load. */
export interface LibraryRecovery {
  /** Where the corrupt file was kept. */
  corruptCopy: string;
  /** Where the voices came from instead. */
  restoredFrom: 'backup' | 'empty';
}

/** Options of `VoiceLibrary.open`. */
export interface VoiceLibraryOptions {
  builtins: BuiltinVoiceEntry[];
  /** Where the library file and previews live (created on first write). */
  userDataDir: string;
  /** Root the built-ins' preview paths are relative to (the app root). */
  assetsRoot: string;
  /** Projection for VoiceInfo.map. */
  voiceMap: VoiceMap;
  /** Embedding size D of the loaded model; stored voices of another size are skipped. */
  embeddingDim: number;
}

/** Sample rate of enrolled previews. */
export const PREVIEW_RATE = 16000;

function isRecord(v: unknown, dim: number): v is EnrolledVoiceRecord {
  const r = v as EnrolledVoiceRecord;
  return (
    !!r &&
    typeof r.id === 'string' &&
    /^user-[A-Za-z0-9_-]+$/.test(r.id) &&
    typeof r.name === 'string' &&
    r.name.length > 0 &&
    typeof r.createdAt === 'string' &&
    Array.isArray(r.embedding) &&
    r.embedding.length === dim &&
    r.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
    !!r.f0 &&
    Number.isFinite(r.f0.mean) &&
    Number.isFinite(r.f0.std) &&
    (r.preview === undefined || (typeof r.preview === 'string' && /^[A-Za-z0-9_.-]+$/.test(r.preview)))
  );
}

/** Parses library text; returns null when it is not a valid library. */
function parseLibrary(text: string, dim: number): EnrolledVoiceRecord[] | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const voices = (data as { voices?: unknown })?.voices;
  if (!Array.isArray(voices)) return null;
  if (!voices.every((v) => isRecord(v, dim))) return null;
  return voices as EnrolledVoiceRecord[];
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    // ENOTDIR: the user data path is not a folder, so there is no library to read (built-ins still work).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new ApiError('IO_ERROR', `Could not read the voice library (${(err as Error).message}).`);
  }
}

/** Built-in and enrolled voices; mutations persist before they resolve. */
export class VoiceLibrary {
  /** Set when the file on disk was corrupt at load. */
  recovery: LibraryRecovery | null = null;
  private readonly opts: VoiceLibraryOptions;
  private enrolled: EnrolledVoiceRecord[] = [];
  private readonly builtinById = new Map<string, BuiltinVoiceEntry>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(opts: VoiceLibraryOptions) {
    this.opts = opts;
    for (const b of opts.builtins) this.builtinById.set(b.id, b);
  }

  /** Path of the library file. */
  get file(): string {
    return path.join(this.opts.userDataDir, LIBRARY_FILE);
  }

  /** Path of the backup of the last good library file. */
  get backupFile(): string {
    return this.file + '.bak';
  }

  /**
   * Loads the library, recovering from a corrupt file (see the file header).
   * @throws ApiError IO_ERROR when the directory cannot be read at all
   */
  static async open(opts: VoiceLibraryOptions): Promise<VoiceLibrary> {
    const lib = new VoiceLibrary(opts);
    await lib.load();
    return lib;
  }

  private async load(): Promise<void> {
    const dim = this.opts.embeddingDim;
    const main = await readText(this.file);
    if (main !== null) {
      const parsed = parseLibrary(main, dim);
      if (parsed) {
        this.enrolled = parsed;
        return;
      }
    }
    const backupText = await readText(this.backupFile);
    const backup = backupText === null ? null : parseLibrary(backupText, dim);
    if (main === null) {
      // No library yet (first run), or only a backup survived.
      this.enrolled = backup ?? [];
      if (backup) await this.persist(false);
      return;
    }
    const corruptCopy = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await fs.copyFile(this.file, corruptCopy).catch(() => {});
    this.enrolled = backup ?? [];
    this.recovery = { corruptCopy, restoredFrom: backup ? 'backup' : 'empty' };
    await this.persist(false);
  }

  /** Writes the library atomically; with `backup` the current good file is copied to .bak first. */
  private async persist(backup = true): Promise<void> {
    const dir = this.opts.userDataDir;
    try {
      await fs.mkdir(dir, { recursive: true });
      if (backup) {
        const current = await readText(this.file);
        if (current !== null && parseLibrary(current, this.opts.embeddingDim)) {
          await writeFileAtomic(this.backupFile, Buffer.from(current, 'utf8'));
        }
      }
      const body = JSON.stringify({ version: LIBRARY_VERSION, voices: this.enrolled }, null, 1);
      await writeFileAtomic(this.file, Buffer.from(body, 'utf8'));
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('IO_ERROR', `Could not save the voice library in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Check the folder's permissions and free space.`);
    }
  }

  /** Runs mutations one at a time so concurrent calls cannot lose each other's writes. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private infoOfBuiltin(b: BuiltinVoiceEntry): VoiceInfo {
    return {
      id: b.id,
      name: b.name,
      kind: 'builtin',
      licence: b.licence,
      gender: b.gender,
      map: this.opts.voiceMap.project(b.embedding),
      meanF0Hz: Math.round(Math.exp(b.f0.mean) * 10) / 10,
      hasPreview: !!b.preview,
    };
  }

  private infoOfEnrolled(r: EnrolledVoiceRecord): VoiceInfo {
    return {
      id: r.id,
      name: r.name,
      kind: 'enrolled',
      licence: 'user',
      gender: 'unknown',
      map: this.opts.voiceMap.project(r.embedding),
      meanF0Hz: Math.round(Math.exp(r.f0.mean) * 10) / 10,
      createdAt: r.createdAt,
      hasPreview: !!r.preview,
    };
  }

  /** Every voice: built-ins first (in voices.json order), then enrolled voices by creation. */
  list(): VoiceInfo[] {
    return [...this.opts.builtins.map((b) => this.infoOfBuiltin(b)), ...this.enrolled.map((r) => this.infoOfEnrolled(r))];
  }

  /** The voice `id`, or undefined. */
  get(id: string): LibraryVoice | undefined {
    const b = this.builtinById.get(id);
    if (b) {
      return {
        info: this.infoOfBuiltin(b),
        target: { embedding: b.embedding, f0: b.f0 },
        previewPath: b.preview ? path.resolve(this.opts.assetsRoot, b.preview) : undefined,
      };
    }
    const r = this.enrolled.find((v) => v.id === id);
    if (!r) return undefined;
    return {
      info: this.infoOfEnrolled(r),
      target: { embedding: Float32Array.from(r.embedding), f0: r.f0 },
      previewPath: r.preview ? path.join(this.opts.userDataDir, 'voices', r.preview) : undefined,
    };
  }

  /**
   * The voice `id`.
   * @throws ApiError NOT_FOUND
   */
  require(id: string): LibraryVoice {
    const v = this.get(id);
    if (!v) throw new ApiError('NOT_FOUND', `There is no voice "${id}" (it may have been deleted in another window). Pick another voice.`);
    return v;
  }

  private checkName(name: string, exceptId?: string): void {
    const taken = this.list().some((v) => v.id !== exceptId && v.name.toLowerCase() === name.toLowerCase());
    if (taken) throw invalid(`A voice named "${name}" already exists. Pick another name.`);
  }

  /**
   * Adds an enrolled voice and persists the library.
   * @param preview optional 16 kHz mono preview clip
   */
  add(voice: { name: string; embedding: Float32Array; f0: { mean: number; std: number }; preview?: Float32Array }): Promise<VoiceInfo> {
    return this.serialize(async () => {
      this.checkName(voice.name);
      const id = `user-${randomBytes(6).toString('hex')}`;
      const record: EnrolledVoiceRecord = {
        id,
        name: voice.name,
        createdAt: new Date().toISOString(),
        embedding: Array.from(voice.embedding, (x) => Math.round(x * 1e6) / 1e6),
        f0: { mean: voice.f0.mean, std: voice.f0.std },
      };
      if (voice.preview && voice.preview.length > 0) {
        const file = `${id}.s16`;
        const dir = path.join(this.opts.userDataDir, 'voices');
        try {
          await fs.mkdir(dir, { recursive: true });
          await writeFileAtomic(path.join(dir, file), encodePcm16(voice.preview));
          record.preview = file;
        } catch (err) {
          throw new ApiError('IO_ERROR', `Could not save the voice preview in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
        }
      }
      this.enrolled.push(record);
      try {
        await this.persist();
      } catch (err) {
        this.enrolled.pop();
        if (record.preview) await fs.rm(path.join(this.opts.userDataDir, 'voices', record.preview), { force: true }).catch(() => {});
        throw err;
      }
      return this.infoOfEnrolled(record);
    });
  }

  private enrolledOrThrow(id: string, action: string): EnrolledVoiceRecord {
    if (this.builtinById.has(id)) throw invalid(`"${this.builtinById.get(id)!.name}" is a built-in voice and cannot be ${action}.`);
    const r = this.enrolled.find((v) => v.id === id);
    if (!r) throw new ApiError('NOT_FOUND', `There is no voice "${id}". Refresh the voice list.`);
    return r;
  }

  /**
   * Renames an enrolled voice.
   * @throws ApiError INVALID_ARGUMENT for built-ins or a taken name, NOT_FOUND for an unknown id
   */
  rename(id: string, name: string): Promise<VoiceInfo> {
    return this.serialize(async () => {
      const r = this.enrolledOrThrow(id, 'renamed');
      this.checkName(name, id);
      const old = r.name;
      r.name = name;
      try {
        await this.persist();
      } catch (err) {
        r.name = old;
        throw err;
      }
      return this.infoOfEnrolled(r);
    });
  }

  /**
   * Deletes an enrolled voice and its preview.
   * @throws ApiError INVALID_ARGUMENT for built-ins, NOT_FOUND for an unknown id
   */
  delete(id: string): Promise<void> {
    return this.serialize(async () => {
      const r = this.enrolledOrThrow(id, 'deleted');
      const before = this.enrolled;
      this.enrolled = before.filter((v) => v !== r);
      try {
        await this.persist();
      } catch (err) {
        this.enrolled = before;
        throw err;
      }
      if (r.preview) await fs.rm(path.join(this.opts.userDataDir, 'voices', r.preview), { force: true }).catch(() => {});
    });
  }

  /**
   * The preview clip of an enrolled voice as 16 kHz mono (null when it has none or is built-in).
   * Built-in previews are WAV files: decode `get(id).previewPath`.
   */
  async readEnrolledPreview(id: string): Promise<Float32Array | null> {
    const r = this.enrolled.find((v) => v.id === id);
    if (!r?.preview) return null;
    try {
      return decodePcm16(await fs.readFile(path.join(this.opts.userDataDir, 'voices', r.preview)));
    } catch {
      return null;
    }
  }
}

/** Float samples -> little-endian 16-bit PCM bytes. */
export function encodePcm16(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) {
    const v = Math.max(-1, Math.min(1, x[i]));
    view.setInt16(i * 2, Math.round(v < 0 ? v * 32768 : v * 32767), true);
  }
  return out;
}

/** Little-endian 16-bit PCM bytes -> float samples. */
export function decodePcm16(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}
