// The voice library: built-in voices from models/voices.json plus the user's enrolled voices, which
// persist in <userDataDir> and are shared by every process that opens that folder at the same time
// (the app, its other windows, the CLI).
//
// Design: one index file (voices.json, the order and content of the list) changed only under a lock
// file with stale-lock recovery (file-lock.ts), by reload-and-apply: every change takes the lock,
// re-reads the index from disk, applies itself to what it read (so a voice another process enrolled a
// moment ago is kept), writes the index atomically (temp file + rename) and releases the lock. Reads
// never take the lock: `list()`, `get()` and `require()` stat the index and re-read it when it changed
// (the rename gives every write a new inode), so the app never serves a list older than the disk.
//
// Why this over one file per voice: a lock is needed anyway for what spans voices (unique names, a
// rename racing a delete of the same voice), the single index keeps the list's order and stays
// readable by earlier versions of the app, and one stat per read keeps `list()` synchronous. What
// one-file-per-voice gives, recovery of a voice whose index entry was lost, comes from a record copy per
// voice (voices/<id>.json, next to the preview voices/<id>.s16), written before the index. At every
// locked load, library-repair.ts recovers voices found only as files, removes files that hold nothing
// to recover, and migrates folders of the earlier format (index only) by writing the copies.
//
// A corrupt index on load is kept aside as voices.json.corrupt-<time>; the list is rebuilt from the
// backup of the last good index (voices.json.bak) and the record copies, so a damaged file never stops
// the app. Built-in voices cannot be renamed or deleted. Enrolled voices whose embedding size is not the
// loaded model's stay on disk untouched but are not listed.
import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApiError, invalid } from '../api/errors.js';
import type { VoiceInfo } from '../api/types.js';
import { writeFileAtomic } from '../audio/write-atomic.js';
import type { BuiltinVoiceEntry } from '../model/manifest.js';
import { withFileLock, type HeldLock } from './file-lock.js';
import {
  decodePcm16,
  encodePcm16,
  formatIndex,
  LIBRARY_VERSION,
  LibraryPaths,
  parseIndex,
  readText,
  storedVerifierEmbedding,
  writeRecordCopy,
  type EnrolledVoiceRecord,
} from './library-files.js';
import { repairLibrary } from './library-repair.js';
import type { TargetVoice } from '../pipeline/pipeline.js';
import type { VoiceMap } from './voice-map.js';

export { decodePcm16, encodePcm16, LIBRARY_FILE, LIBRARY_VERSION, type EnrolledVoiceRecord } from './library-files.js';

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
  /** Where the voices came from instead: the backup index (plus any record copies), the record copies alone, or nowhere. */
  restoredFrom: 'backup' | 'files' | 'empty';
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
  /** Embedding size D of the loaded model; stored voices of another size are not listed. */
  embeddingDim: number;
  /** The loaded speaker verifier (sha256 of verifier.onnx and its embedding size); absent when the export has none. */
  verifier?: { model: string; dim: number };
  /** Where repairs and recoveries are reported. Default: console.warn. */
  log?: (message: string) => void;
  /** Lock timing (tests). */
  lock?: { staleMs?: number; timeoutMs?: number };
}

/** Sample rate of enrolled previews. */
export const PREVIEW_RATE = 16000;

/** What a change does inside the lock. */
interface Change<T> {
  result: T;
  /** The new index; absent when nothing changed. */
  records?: EnrolledVoiceRecord[];
  /** Undoes the change's own file writes when the index could not be written. */
  undo?: () => Promise<void>;
  /** Runs after the index is written (removing files the change made unused). */
  after?: () => Promise<void>;
}

/** The lock could not even be created (the folder is read-only, or not a folder). */
class LockUnavailable extends Error {
  readonly reason: unknown;
  constructor(reason: unknown) {
    super('lock unavailable');
    this.reason = reason;
  }
}

function saveError(dir: string, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err instanceof LockUnavailable ? err.reason : err;
  return new ApiError('IO_ERROR', `Could not save the voice library in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Check the folder's permissions and free space.`);
}

/** A fingerprint of the index file that changes with every write ('absent' when there is none). */
function indexSignature(file: string): string | null {
  try {
    const st = fsSync.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : null;
  }
}

/** Built-in and enrolled voices; changes persist before they resolve and never drop another writer's change. */
export class VoiceLibrary {
  /** Set when the index on disk was corrupt at a load. */
  recovery: LibraryRecovery | null = null;
  /** Every repair made at a load, as a sentence (also passed to `options.log`). */
  readonly repairs: string[] = [];
  private readonly opts: VoiceLibraryOptions;
  private readonly paths: LibraryPaths;
  /** The index as last read or written (including voices of another embedding size). */
  private records: EnrolledVoiceRecord[] = [];
  /** indexSignature() of the file `records` came from. */
  private signature: string | null = null;
  private repairScheduled = false;
  private repairTriedFor: string | null = null;
  private readonly builtinById = new Map<string, BuiltinVoiceEntry>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: (message: string) => void;

  private constructor(opts: VoiceLibraryOptions) {
    this.opts = opts;
    this.paths = new LibraryPaths(opts.userDataDir);
    this.log = opts.log ?? ((m) => console.warn(`VoiceShift voice library: ${m}`));
    for (const b of opts.builtins) this.builtinById.set(b.id, b);
  }

  /** Path of the library index. */
  get file(): string {
    return this.paths.index;
  }

  /** Path of the backup of the last good index. */
  get backupFile(): string {
    return this.paths.backup;
  }

  /**
   * Loads the library under the lock: recovers a corrupt index, orphaned files and an earlier format
   * (see the file header). A folder that does not exist yet is left alone; one that cannot be locked
   * (read-only, or held past the lock timeout) is read as it is.
   * @throws ApiError IO_ERROR when the library cannot be read at all
   */
  static async open(opts: VoiceLibraryOptions): Promise<VoiceLibrary> {
    const lib = new VoiceLibrary(opts);
    let isDir = false;
    try {
      isDir = (await fs.stat(opts.userDataDir)).isDirectory();
    } catch {
      // missing: first run
    }
    if (!isDir) {
      lib.signature = 'absent';
      return lib;
    }
    try {
      await lib.transact(async () => ({ result: undefined }));
    } catch (err) {
      // Unlockable (read-only folder) or locked past the timeout by a hung process: read what is there.
      const unlockable = err instanceof ApiError && err.code === 'IO_ERROR' && /Could not save/.test(err.message);
      if (!unlockable && !(err instanceof ApiError && err.code === 'BUSY')) throw err;
      lib.log(`${(err as ApiError).message} The voices were read without repairs.`);
      const text = await readText(lib.file);
      lib.records = (text && parseIndex(text)?.voices) || [];
      lib.signature = indexSignature(lib.file);
    }
    return lib;
  }

  /** Runs mutations of this instance one at a time (the lock file orders them across instances). */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Takes the lock, reloads (and repairs) the index, applies `change` to it and writes the result.
   * @throws ApiError IO_ERROR "Could not save…" when the folder cannot be created or locked
   */
  private transact<T>(change: (records: EnrolledVoiceRecord[]) => Promise<Change<T>>): Promise<T> {
    const dir = this.opts.userDataDir;
    return this.serialize(async () => {
      try {
        await fs.mkdir(dir, { recursive: true });
      } catch (err) {
        throw saveError(dir, err);
      }
      let entered = false;
      try {
        return await withFileLock(
          this.paths.lock,
          async (held) => {
            entered = true;
            const base = await this.loadLocked();
            let out: Change<T>;
            try {
              out = await change(base.records.slice());
            } catch (err) {
              if (base.dirty) await this.writeIndex(base.records, held).catch(() => {});
              throw err;
            }
            if (out.records || base.dirty) {
              try {
                await this.writeIndex(out.records ?? base.records, held);
              } catch (err) {
                await out.undo?.().catch(() => {});
                throw err;
              }
            }
            await out.after?.().catch(() => {});
            return out.result;
          },
          { ...this.opts.lock, log: (m) => this.log(m) },
        );
      } catch (err) {
        throw entered || err instanceof ApiError ? err : saveError(dir, new LockUnavailable(err));
      }
    });
  }

  /** Reads the index under the lock, recovering a missing or corrupt one, and repairs the files. */
  private async loadLocked(): Promise<{ records: EnrolledVoiceRecord[]; dirty: boolean }> {
    const text = await readText(this.file);
    const parsed = text === null ? null : parseIndex(text);
    let records: EnrolledVoiceRecord[];
    let dirty = false;
    let restored: 'backup' | null = null;
    if (parsed) {
      records = parsed.voices;
      dirty = parsed.version < LIBRARY_VERSION;
    } else {
      // No index (first run, or deleted) or a corrupt one: start from the backup. A backup of the
      // current format lists voices deleted since it was written; their record copies are gone.
      const backupText = await readText(this.backupFile);
      const backup = backupText === null ? null : parseIndex(backupText);
      records = backup?.voices ?? [];
      if (backup && backup.version >= 2) {
        const kept = await Promise.all(records.map((r) => fs.access(this.paths.record(r.id)).then(() => true, () => false)));
        records = records.filter((_, i) => kept[i]);
      }
      if (backup) restored = 'backup';
      dirty = text !== null || !!backup;
    }
    const rep = await repairLibrary(this.paths, records, this.opts.builtins.map((b) => b.name));
    for (const note of rep.notes) {
      this.repairs.push(note);
      this.log(note);
    }
    if (text !== null && !parsed) {
      const corruptCopy = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`;
      await fs.copyFile(this.file, corruptCopy).catch(() => {});
      const restoredFrom = restored ?? (rep.records.length > 0 ? 'files' : 'empty');
      this.recovery = { corruptCopy, restoredFrom };
      const from = { backup: 'its backup and the voice files', files: 'the voice files', empty: '' }[restoredFrom];
      this.log(`The voice list ${this.file} was damaged; kept it as ${corruptCopy} and ${from ? `restored ${rep.records.length} voice(s) from ${from}` : 'found no voice to restore'}.`);
    }
    this.records = rep.records;
    return { records: rep.records, dirty: dirty || rep.changed };
  }

  /** Writes the index atomically under the lock; the previous good index becomes the backup. */
  private async writeIndex(records: EnrolledVoiceRecord[], held: HeldLock): Promise<void> {
    try {
      const current = await readText(this.file);
      if (current !== null && parseIndex(current)) await writeFileAtomic(this.backupFile, Buffer.from(current, 'utf8'), { fsyncDir: false });
      await held.verify();
      await writeFileAtomic(this.file, Buffer.from(formatIndex(records), 'utf8'));
    } catch (err) {
      throw saveError(this.opts.userDataDir, err);
    }
    this.records = records;
    this.signature = indexSignature(this.file);
  }

  /**
   * Re-reads the index when another process (or instance) changed it since the last read. Cheap: one
   * stat when nothing changed. A missing or corrupt index keeps the last good list and schedules a
   * locked load, which recovers it.
   */
  private refresh(): void {
    const sig = indexSignature(this.file);
    if (sig === null || sig === this.signature) return;
    if (sig !== 'absent') {
      let text: string | null = null;
      try {
        text = fsSync.readFileSync(this.file, 'utf8');
      } catch {
        // replaced or removed between the stat and the read: the next call sees the new state
      }
      const parsed = text === null ? null : parseIndex(text);
      if (parsed) {
        this.records = parsed.voices;
        this.signature = sig;
        return;
      }
    }
    if (sig === 'absent' && !fsSync.existsSync(this.paths.voices)) {
      this.records = [];
      this.signature = sig;
      return;
    }
    this.scheduleRepair(sig);
  }

  /** One background repair per state of the index (a read-only folder would otherwise retry on every read). */
  private scheduleRepair(sig: string): void {
    if (this.repairScheduled || this.repairTriedFor === sig) return;
    this.repairScheduled = true;
    this.repairTriedFor = sig;
    void this.transact(async () => ({ result: undefined }))
      .catch((err: Error) => this.log(`Could not repair the voice list: ${err.message}`))
      .finally(() => (this.repairScheduled = false));
  }

  /** The enrolled voices the loaded model can use, in index order. */
  private usable(records: EnrolledVoiceRecord[] = this.records): EnrolledVoiceRecord[] {
    return records.filter((r) => r.embedding.length === this.opts.embeddingDim);
  }

  /**
   * Re-reads the library now, under the lock, repairing what it finds (the same as at open).
   * `list()` already re-reads a changed index; this is for callers that want repairs too.
   */
  reload(): Promise<void> {
    return this.transact(async () => ({ result: undefined }));
  }

  private infoOfBuiltin(b: BuiltinVoiceEntry): VoiceInfo {
    return {
      id: b.id,
      name: b.name,
      kind: 'builtin',
      licence: b.licence,
      ...(b.source ? { source: b.source } : {}),
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

  /** Every voice: built-ins first (in voices.json order), then enrolled voices in the shared index's order. */
  list(): VoiceInfo[] {
    this.refresh();
    return [...this.opts.builtins.map((b) => this.infoOfBuiltin(b)), ...this.usable().map((r) => this.infoOfEnrolled(r))];
  }

  /** The voice `id` as the disk has it now, or undefined. */
  get(id: string): LibraryVoice | undefined {
    const b = this.builtinById.get(id);
    if (b) {
      return {
        info: this.infoOfBuiltin(b),
        target: {
          embedding: b.embedding,
          f0: b.f0,
          verifier: b.verifierEmbedding ? { embedding: b.verifierEmbedding } : { missing: `The built-in voice "${b.name}" has no verifier embedding in this model export.` },
        },
        previewPath: b.preview ? path.resolve(this.opts.assetsRoot, b.preview) : undefined,
      };
    }
    this.refresh();
    const r = this.usable().find((v) => v.id === id);
    if (!r) return undefined;
    // A voice stored without a verifier embedding (or with another verifier's) has none here; the engine
    // computes one from its preview on first use.
    const v = this.opts.verifier ? storedVerifierEmbedding(r, this.opts.verifier.model, this.opts.verifier.dim) : null;
    return {
      info: this.infoOfEnrolled(r),
      target: { embedding: Float32Array.from(r.embedding), f0: r.f0, ...(v ? { verifier: { embedding: v } } : {}) },
      previewPath: r.preview ? this.paths.voiceFile(r.preview) : undefined,
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

  private checkName(records: EnrolledVoiceRecord[], name: string, exceptId?: string): void {
    const lower = name.toLowerCase();
    const taken =
      this.opts.builtins.some((b) => b.name.toLowerCase() === lower) || this.usable(records).some((r) => r.id !== exceptId && r.name.toLowerCase() === lower);
    if (taken) throw invalid(`A voice named "${name}" already exists. Pick another name.`);
  }

  private enrolledIndex(records: EnrolledVoiceRecord[], id: string, action: string): number {
    const b = this.builtinById.get(id);
    if (b) throw invalid(`"${b.name}" is a built-in voice and cannot be ${action}.`);
    const i = records.findIndex((v) => v.id === id && v.embedding.length === this.opts.embeddingDim);
    if (i < 0) throw new ApiError('NOT_FOUND', `There is no voice "${id}" (it may have been deleted in another window). Refresh the voice list.`);
    return i;
  }

  /**
   * Adds an enrolled voice and persists the library, keeping every voice other processes added.
   * @param voice.preview optional 16 kHz mono preview clip
   * @throws ApiError INVALID_ARGUMENT for a taken name, IO_ERROR when it cannot be saved
   */
  add(voice: {
    name: string;
    embedding: Float32Array;
    f0: { mean: number; std: number };
    preview?: Float32Array;
    /** The verifier's embedding of the reference and the sha256 of that verifier. */
    verifier?: { model: string; embedding: Float32Array };
  }): Promise<VoiceInfo> {
    return this.transact(async (records) => {
      this.checkName(records, voice.name);
      const id = `user-${randomBytes(6).toString('hex')}`;
      const record: EnrolledVoiceRecord = {
        id,
        name: voice.name,
        createdAt: new Date().toISOString(),
        embedding: Array.from(voice.embedding, (x) => Math.round(x * 1e6) / 1e6),
        f0: { mean: voice.f0.mean, std: voice.f0.std },
        ...(voice.verifier ? { verifier: { model: voice.verifier.model, embedding: Array.from(voice.verifier.embedding, (x) => Math.round(x * 1e6) / 1e6) } } : {}),
      };
      const undo = async () => {
        await fs.rm(this.paths.record(id), { force: true });
        await fs.rm(this.paths.voiceFile(`${id}.s16`), { force: true });
      };
      try {
        await fs.mkdir(this.paths.voices, { recursive: true });
        if (voice.preview && voice.preview.length > 0) {
          await writeFileAtomic(this.paths.voiceFile(`${id}.s16`), encodePcm16(voice.preview), { fsyncDir: false });
          record.preview = `${id}.s16`;
        }
        await writeRecordCopy(this.paths, record);
      } catch (err) {
        await undo().catch(() => {});
        throw new ApiError('IO_ERROR', `Could not save the voice preview in ${this.paths.voices} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
      }
      return { result: this.infoOfEnrolled(record), records: [...records, record], undo };
    });
  }

  /**
   * Renames an enrolled voice (as the disk has it now).
   * @throws ApiError INVALID_ARGUMENT for built-ins or a taken name, NOT_FOUND for an unknown id
   */
  rename(id: string, name: string): Promise<VoiceInfo> {
    return this.transact(async (records) => {
      const i = this.enrolledIndex(records, id, 'renamed');
      this.checkName(records, name, id);
      const old = records[i];
      const r = { ...old, name };
      try {
        await writeRecordCopy(this.paths, r);
      } catch (err) {
        throw saveError(this.opts.userDataDir, err);
      }
      const next = records.slice();
      next[i] = r;
      return { result: this.infoOfEnrolled(r), records: next, undo: () => writeRecordCopy(this.paths, old) };
    });
  }

  /**
   * Deletes an enrolled voice and its files.
   * @throws ApiError INVALID_ARGUMENT for built-ins, NOT_FOUND for an unknown id
   */
  delete(id: string): Promise<void> {
    return this.transact(async (records) => {
      const i = this.enrolledIndex(records, id, 'deleted');
      const r = records[i];
      // The record copy goes first: from then on no repair can bring the voice back.
      try {
        await fs.rm(this.paths.record(id), { force: true });
      } catch (err) {
        throw saveError(this.opts.userDataDir, err);
      }
      return {
        result: undefined,
        records: records.filter((_, j) => j !== i),
        undo: () => writeRecordCopy(this.paths, r),
        after: async () => {
          if (r.preview) await fs.rm(this.paths.voiceFile(r.preview), { force: true });
        },
      };
    });
  }

  /**
   * The preview clip of an enrolled voice as 16 kHz mono (null when it has none or is built-in).
   * Built-in previews are WAV files: decode `get(id).previewPath`.
   */
  async readEnrolledPreview(id: string): Promise<Float32Array | null> {
    this.refresh();
    const r = this.usable().find((v) => v.id === id);
    if (!r?.preview) return null;
    try {
      return decodePcm16(await fs.readFile(this.paths.voiceFile(r.preview)));
    } catch {
      return null;
    }
  }
}
