// A cross-process lock held as a file, so that the app, a second window's engine and the CLI take
// turns at the voice library (read-modify-write of voices.json) instead of overwriting each other.
//
// Why a lock file: Node has no portable flock(), and every process that touches the library runs our
// own code, so an advisory lock by convention is enough. The lock is created atomically *with its
// content* (a temp file hard-linked to the lock name: link() fails with EEXIST when the lock exists),
// so a reader never sees an empty lock. The content names the holder (host, pid, a random token).
//
// Stale locks: a holder that crashed leaves its file behind. A lock is stale when its holder is a
// process of this host that no longer exists, or when it is older than `staleMs` (the library holds
// its lock for milliseconds). Breaking a stale lock happens under a second, short "break" lock and
// re-checks the token, so two processes that both see the same stale lock cannot remove each other's
// fresh one. The one remaining window (a process dying while it holds the break lock, then two others
// racing over it) needs a crash inside a few microseconds and is accepted. A holder can call
// `verify()` before committing so that a holder whose lock was broken (paused past `staleMs`) aborts
// instead of writing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../api/errors.js';

/** Options of `withFileLock`. */
export interface FileLockOptions {
  /** A lock older than this is stale even when its holder looks alive. Default 15 000 ms. */
  staleMs?: number;
  /** Give up waiting after this long with ApiError BUSY. Default 30 000 ms. */
  timeoutMs?: number;
  /** Called with a sentence when a stale lock is broken. Default: nothing. */
  log?: (message: string) => void;
}

/** What the holder's callback gets. */
export interface HeldLock {
  /**
   * Throws ApiError BUSY when this process no longer holds the lock (it was broken as stale).
   * Call it right before a write that must not race.
   */
  verify(): Promise<void>;
}

/** The content of a lock file. */
export interface LockOwner {
  host: string;
  pid: number;
  token: string;
  /** ISO time the lock was taken. */
  at: string;
}

const DEFAULT_STALE_MS = 15_000;
const DEFAULT_TIMEOUT_MS = 30_000;

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as LockOwner;
    return o && typeof o.token === 'string' && typeof o.pid === 'number' && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a lock with this owner and age may be broken: its holder is a process of this host that is
 * gone, or it is older than `staleMs`. An unreadable owner counts as stale only by age.
 */
export function isLockStale(owner: LockOwner | null, ageMs: number, staleMs: number = DEFAULT_STALE_MS): boolean {
  if (ageMs > staleMs) return true;
  if (!owner) return false;
  return owner.host === os.hostname() && !pidAlive(owner.pid);
}

/** Reads a lock file: its owner (null when unreadable) and age, or null when there is no lock. */
async function inspect(lockPath: string): Promise<{ owner: LockOwner | null; ageMs: number; text: string } | null> {
  try {
    const [text, st] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
    return { owner: parseOwner(text), ageMs: Date.now() - st.mtimeMs, text };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates `lockPath` holding `owner`, atomically with its content. Resolves false when it exists. */
async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  const tmp = `${lockPath}.${owner.pid}.${owner.token}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(owner), { flag: 'wx' });
  try {
    await fs.link(tmp, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links (FAT, some network and FUSE mounts): exclusive create, then
    // the content (a reader may see it empty for a moment; an empty lock is only stale by age).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') return createExclusive(lockPath, owner);
    throw err;
  } finally {
    await fs.unlink(tmp).catch(() => {});
  }
}

async function createExclusive(lockPath: string, owner: LockOwner): Promise<boolean> {
  try {
    await fs.writeFile(lockPath, JSON.stringify(owner), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function newOwner(): LockOwner {
  return { host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex'), at: new Date().toISOString() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Removes the lock at `lockPath` if it still holds `token`. */
async function removeIfToken(lockPath: string, token: string): Promise<boolean> {
  const now = await inspect(lockPath);
  if (!now || now.owner?.token !== token) return false;
  await fs.unlink(lockPath).catch(() => {});
  return true;
}

/**
 * Breaks the stale lock whose content was `seen`, under the break lock. Resolves when done or when
 * someone else is breaking it (the caller retries either way).
 */
async function breakStale(lockPath: string, seen: { owner: LockOwner | null; text: string }, staleMs: number, log?: (m: string) => void): Promise<void> {
  const breakPath = `${lockPath}.break`;
  const me = newOwner();
  if (!(await tryCreate(breakPath, me))) {
    const b = await inspect(breakPath);
    // A breaker that died mid-break: its lock is removed so that the next round can break.
    if (b && isLockStale(b.owner, b.ageMs, Math.min(staleMs, 2000))) await fs.unlink(breakPath).catch(() => {});
    return;
  }
  try {
    const now = await inspect(lockPath);
    if (!now || now.text !== seen.text || !isLockStale(now.owner, now.ageMs, staleMs)) return;
    await fs.unlink(lockPath).catch(() => {});
    const who = now.owner ? `process ${now.owner.pid} on ${now.owner.host}, taken ${now.owner.at}` : 'an unreadable owner';
    log?.(`Removed a stale lock ${path.basename(lockPath)} (${who}).`);
  } finally {
    await removeIfToken(breakPath, me.token).catch(() => {});
  }
}

/**
 * Removes the temp files (`<lock>.<pid>.<token>.tmp`, also of the break lock) that contenders killed
 * between writing and linking them left behind: those of processes of this host that are gone, and any
 * older than `staleMs`. Called by the holder, so it never races its own temp file.
 */
async function removeDeadTemps(lockPath: string, staleMs: number): Promise<void> {
  const dir = path.dirname(lockPath);
  const base = path.basename(lockPath);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(base + '.') || !name.endsWith('.tmp')) continue;
    const m = /^(?:\.break)?\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(base.length));
    if (!m) continue;
    const file = path.join(dir, name);
    const age = await fs.stat(file).then((st) => Date.now() - st.mtimeMs, () => -1);
    if (age < 0) continue;
    if (Number(m[1]) === process.pid && age <= staleMs) continue;
    if (age > staleMs || !pidAlive(Number(m[1]))) await fs.unlink(file).catch(() => {});
  }
}

/**
 * Runs `fn` while holding the lock file `lockPath` (its folder must exist), then releases it, also
 * when `fn` throws. Waits with jittered retries while another holder has it; breaks stale locks.
 * @throws ApiError BUSY when the lock stays held past `timeoutMs`; the file system's error when the
 *   lock cannot be created at all (for example ENOTDIR, EACCES)
 */
export async function withFileLock<T>(lockPath: string, fn: (lock: HeldLock) => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const me = newOwner();
  let wait = 2;
  for (;;) {
    if (await tryCreate(lockPath, me)) break;
    const seen = await inspect(lockPath);
    if (seen && isLockStale(seen.owner, seen.ageMs, staleMs)) {
      await breakStale(lockPath, seen, staleMs, options.log);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ApiError('BUSY', 'The voice library is being changed by another window or process and did not become free. Try again.');
    }
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
  await removeDeadTemps(lockPath, staleMs);
  const held: HeldLock = {
    async verify() {
      const now = await inspect(lockPath);
      if (now?.owner?.token !== me.token) {
        throw new ApiError('BUSY', 'The voice library was taken over by another process while saving. Nothing was changed; try again.');
      }
    },
  };
  try {
    return await fn(held);
  } finally {
    await removeIfToken(lockPath, me.token).catch(() => {});
  }
}
