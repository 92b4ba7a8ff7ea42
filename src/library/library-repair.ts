// Makes the voice library's files agree with its index, run under the library lock every time the
// index is loaded for a change (and at open). Crashes, older versions of the app and a lost index
// leave files behind; this decides, per voice, whether to recover or to clean up:
// - a record copy voices/<id>.json with no index entry: the voice is recovered (its name made unique);
// - a preview voices/<id>.s16 with no index entry and no readable record copy: removed (a preview
//   alone does not hold the voice's embedding, so there is nothing to recover);
// - an index entry whose preview file is gone: the entry is kept (the voice still converts: its
//   embedding is in the index) and its preview reference is dropped;
// - an index entry without a record copy (a version-1 folder): the copy is written (the migration);
// - a leftover temp file of an interrupted atomic write: removed.
// Every decision is reported as a sentence for the log.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ENROLLED_ID, isRecord, type EnrolledVoiceRecord, type LibraryPaths, writeRecordCopy } from './library-files.js';

/** What `repairLibrary` did. */
export interface RepairResult {
  /** The index entries after the repair (same order, recovered voices appended by creation time). */
  records: EnrolledVoiceRecord[];
  /** Whether the index must be written. */
  changed: boolean;
  /** One sentence per decision, for the log. */
  notes: string[];
}

const MAX_NAME = 80;

/** `name`, or `name (recovered)`, `name (recovered 2)`, … whichever is free. */
export function uniqueName(name: string, taken: (name: string) => boolean): string {
  if (!taken(name)) return name;
  for (let i = 1; ; i++) {
    const suffix = i === 1 ? ' (recovered)' : ` (recovered ${i})`;
    const candidate = name.slice(0, MAX_NAME - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Recovers or removes the per-voice files that disagree with `records` (see the file header). Must
 * run under the library lock: an enrollment in progress elsewhere would otherwise look orphaned.
 * @param builtinNames names of the built-in voices (recovered names avoid them, case-insensitively)
 */
export async function repairLibrary(paths: LibraryPaths, records: EnrolledVoiceRecord[], builtinNames: string[]): Promise<RepairResult> {
  const notes: string[] = [];
  let changed = false;
  let files: string[];
  try {
    files = await fs.readdir(paths.voices);
  } catch {
    files = [];
  }
  const present = new Set(files);
  for (const f of files) {
    if (f.startsWith('.') && f.endsWith('.tmp')) {
      await fs.rm(paths.voiceFile(f), { force: true }).catch(() => {});
      present.delete(f);
      notes.push(`Removed ${f}, left by an interrupted write.`);
    }
  }

  // Temp files of interrupted index writes (only ever written under the lock, so none is in progress).
  const top = await fs.readdir(paths.dir).catch(() => [] as string[]);
  for (const f of top) {
    if (/^\.voices\.json(\.bak)?\..*\.tmp$/.test(f)) {
      await fs.rm(path.join(paths.dir, f), { force: true }).catch(() => {});
      notes.push(`Removed ${f}, left by an interrupted write.`);
    }
  }

  const out: EnrolledVoiceRecord[] = [];
  const known = new Set<string>();
  for (const r0 of records) {
    let r = r0;
    known.add(r.id);
    if (r.preview && !present.has(r.preview)) {
      const { preview, ...rest } = r;
      r = rest;
      changed = true;
      notes.push(`Voice "${r.name}" (${r.id}) lost its preview file ${preview}; the voice is kept without a preview.`);
    }
    if (!present.has(`${r.id}.json`) || r !== r0) {
      await fs.mkdir(paths.voices, { recursive: true });
      await writeRecordCopy(paths, r);
      if (r === r0) notes.push(`Wrote the recovery copy of voice "${r.name}" (${r.id}) (a library from an earlier version, or a lost copy).`);
      present.add(`${r.id}.json`);
    }
    out.push(r);
  }

  const names = new Set([...builtinNames, ...out.map((r) => r.name)].map((n) => n.toLowerCase()));
  const orphanIds = new Set<string>();
  for (const f of present) {
    const m = /^(.*)\.(json|s16)$/.exec(f);
    if (m && ENROLLED_ID.test(m[1]) && !known.has(m[1])) orphanIds.add(m[1]);
  }
  const recovered: EnrolledVoiceRecord[] = [];
  for (const id of [...orphanIds].sort()) {
    const copy = present.has(`${id}.json`) ? await readJson(paths.record(id)) : null;
    if (isRecord(copy) && copy.id === id) {
      let r: EnrolledVoiceRecord = copy;
      if (r.preview && !present.has(r.preview)) {
        const { preview: _gone, ...rest } = r;
        r = rest;
      }
      const name = uniqueName(r.name, (n) => names.has(n.toLowerCase()));
      names.add(name.toLowerCase());
      r = { ...r, name };
      if (r !== copy) await writeRecordCopy(paths, r);
      recovered.push(r);
      notes.push(`Recovered voice "${name}" (${id}) from its files: it was missing from the voice list.`);
    } else {
      for (const f of [`${id}.s16`, `${id}.json`]) {
        if (!present.has(f)) continue;
        await fs.rm(paths.voiceFile(f), { force: true }).catch(() => {});
        notes.push(`Removed ${f}: no voice in the list uses it and it holds no voice to recover.`);
      }
    }
  }
  recovered.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (recovered.length > 0) changed = true;
  return { records: [...out, ...recovered], changed, notes };
}
