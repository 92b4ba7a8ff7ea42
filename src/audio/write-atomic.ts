// Atomic file writes: write to a temporary file in the destination's folder, fsync, rename.
// Why it exists: DESIGN §5 says nothing half-written is left on disk; a crash or a full disk
// during export must leave either the old file or the complete new one, never a fragment.

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of writeFileAtomic. */
export interface WriteAtomicOptions {
  /** File mode of the new file. Default 0o644 (before umask). */
  mode?: number;
  /** fsync the folder after the rename so the new name is durable (best effort). Default true. */
  fsyncDir?: boolean;
}

/**
 * Write `data` to `path` atomically: a temporary file `.name.<random>.tmp` in the same folder
 * is written and fsynced, then renamed over `path`. On any failure the temporary file is
 * removed and `path` is untouched; the error is rethrown.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: WriteAtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fh: Awaited<ReturnType<typeof open>> | null = null;
  try {
    fh = await open(tmp, 'wx', opts.mode ?? 0o644);
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
      if (bytesWritten <= 0) throw new Error(`write to ${tmp} made no progress`);
      off += bytesWritten;
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (opts.fsyncDir ?? true) {
    try {
      const dh = await open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch {
      // some platforms (Windows) cannot fsync a folder; the rename itself is still atomic
    }
  }
}
