// The voice library's files and their format, in one place: the index <dir>/voices.json (the list of
// enrolled voices, in order), its backup, its lock, and per voice <dir>/voices/<id>.json (a copy of
// the voice's record, so that the voice can be recovered when the index loses it) and
// <dir>/voices/<id>.s16 (the preview: raw 16-bit PCM, 16 kHz mono). Reading, validating and writing
// them is here; deciding what to do with them is in voice-library.ts and library-repair.ts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import { writeFileAtomic } from '../audio/write-atomic.js';

/** File name of the enrolled-voice index inside the user data directory. */
export const LIBRARY_FILE = 'voices.json';
/**
 * Version of the index format. 1: the index alone. 2: every voice also has its record in
 * voices/<id>.json. A version-1 folder is migrated at open (the records are written); version-1 code
 * still reads a version-2 index.
 */
export const LIBRARY_VERSION = 2;
/** Folder of the per-voice files inside the user data directory. */
export const VOICES_SUBDIR = 'voices';

/** An enrolled voice as stored on disk. */
export interface EnrolledVoiceRecord {
  id: string;
  name: string;
  createdAt: string;
  embedding: number[];
  f0: { mean: number; std: number };
  /** Preview file name inside <userDataDir>/voices/, if one was stored. */
  preview?: string;
  /**
   * The speaker verifier's embedding of the reference, for the "sounds like" meter, with the sha256 of
   * the verifier.onnx that made it (another verifier's embeddings do not compare). Absent in records
   * written before the meter existed; older app versions keep the field through renames.
   */
  verifier?: { model: string; embedding: number[] };
}

/** The stored verifier embedding of `r` when it was made by verifier `model` with `dim` values; else null. */
export function storedVerifierEmbedding(r: EnrolledVoiceRecord, model: string, dim: number): Float32Array | null {
  const v = r.verifier;
  if (!v || typeof v !== 'object' || v.model !== model || !Array.isArray(v.embedding) || v.embedding.length !== dim) return null;
  if (!v.embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  return Float32Array.from(v.embedding);
}

/** A parsed index file. */
export interface LibraryIndex {
  version: number;
  voices: EnrolledVoiceRecord[];
}

/** The id shape of enrolled voices (also what makes a file in voices/ one of ours). */
export const ENROLLED_ID = /^user-[A-Za-z0-9_-]+$/;

/**
 * Whether `v` is a well-formed record. The embedding size is not checked here: a record of another
 * model's size is kept on disk untouched (the library only lists the ones the loaded model can use).
 */
export function isRecord(v: unknown): v is EnrolledVoiceRecord {
  const r = v as EnrolledVoiceRecord;
  return (
    !!r &&
    typeof r.id === 'string' &&
    ENROLLED_ID.test(r.id) &&
    typeof r.name === 'string' &&
    r.name.length > 0 &&
    typeof r.createdAt === 'string' &&
    Array.isArray(r.embedding) &&
    r.embedding.length > 0 &&
    r.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
    !!r.f0 &&
    Number.isFinite(r.f0.mean) &&
    Number.isFinite(r.f0.std) &&
    (r.preview === undefined || (typeof r.preview === 'string' && /^[A-Za-z0-9_.-]+$/.test(r.preview)))
  );
}

/** Parses index text; null when it is not a valid index. Duplicate ids keep the first record. */
export function parseIndex(text: string): LibraryIndex | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const voices = (data as { voices?: unknown })?.voices;
  if (!Array.isArray(voices) || !voices.every(isRecord)) return null;
  const version = (data as { version?: unknown }).version;
  const seen = new Set<string>();
  const unique = voices.filter((v) => !seen.has(v.id) && !!seen.add(v.id));
  return { version: typeof version === 'number' ? version : 1, voices: unique };
}

/** The text of an index holding `voices`. */
export function formatIndex(voices: EnrolledVoiceRecord[]): string {
  return JSON.stringify({ version: LIBRARY_VERSION, voices }, null, 1);
}

/** Reads a text file; null when it does not exist (or its folder is not a folder). */
export async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    // ENOTDIR: the user data path is not a folder, so there is no library to read (built-ins still work).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new ApiError('IO_ERROR', `Could not read the voice library (${(err as Error).message}).`);
  }
}

/** Paths of the library files under one user data directory. */
export class LibraryPaths {
  constructor(readonly dir: string) {}
  get index(): string {
    return path.join(this.dir, LIBRARY_FILE);
  }
  get backup(): string {
    return this.index + '.bak';
  }
  get lock(): string {
    return this.index + '.lock';
  }
  get voices(): string {
    return path.join(this.dir, VOICES_SUBDIR);
  }
  /** The record copy of voice `id`. */
  record(id: string): string {
    return path.join(this.voices, `${id}.json`);
  }
  /** A file inside voices/ (a preview named by its record). */
  voiceFile(name: string): string {
    return path.join(this.voices, name);
  }
}

/** Writes the record copy of `r` atomically (voices/ must exist). */
export async function writeRecordCopy(paths: LibraryPaths, r: EnrolledVoiceRecord): Promise<void> {
  await writeFileAtomic(paths.record(r.id), JSON.stringify(r), { fsyncDir: false });
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
