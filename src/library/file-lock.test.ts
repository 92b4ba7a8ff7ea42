import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLockStale, withFileLock } from './file-lock';
import { tempDir } from '../test-support/models';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function lockIn(): { dir: string; lock: string } {
  const dir = tempDir();
  dirs.push(dir);
  return { dir, lock: path.join(dir, 'thing.lock') };
}
/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}
const tick = () => new Promise((r) => setTimeout(r, 1));

describe('withFileLock', () => {
  it('lets one holder at a time do a read-modify-write: no increment is lost', async () => {
    const { dir, lock } = lockIn();
    const counter = path.join(dir, 'n');
    fs.writeFileSync(counter, '0');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 40 }, () =>
        withFileLock(lock, async () => {
          maxInside = Math.max(maxInside, ++inside);
          const n = Number(fs.readFileSync(counter, 'utf8'));
          await tick();
          fs.writeFileSync(counter, String(n + 1));
          inside--;
        }),
      ),
    );
    expect(Number(fs.readFileSync(counter, 'utf8'))).toBe(40);
    expect(maxInside).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['n']);
  });

  it('releases the lock when the holder throws', async () => {
    const { dir, lock } = lockIn();
    await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await withFileLock(lock, async () => 7)).toBe(7);
  });

  it('breaks the lock of a process that is gone, and says so', async () => {
    const { dir, lock } = lockIn();
    fs.writeFileSync(lock, JSON.stringify({ host: os.hostname(), pid: deadPid(), token: 'dead', at: new Date().toISOString() }));
    // a temp file that process left between writing and linking it
    fs.writeFileSync(`${lock}.${deadPid()}.abcdef.tmp`, '{}');
    const log: string[] = [];
    const t0 = Date.now();
    expect(await withFileLock(lock, async () => 'got it', { log: (m) => log.push(m), timeoutMs: 5000 })).toBe('got it');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(log.join()).toMatch(/stale lock/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('breaks a lock older than staleMs even when its holder looks alive', async () => {
    const { lock } = lockIn();
    fs.writeFileSync(lock, JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'hung', at: new Date().toISOString() }));
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    expect(await withFileLock(lock, async () => 1, { staleMs: 10_000, timeoutMs: 2000 })).toBe(1);
  });

  it('waits for a live holder and gives up with BUSY after the timeout, leaving its lock alone', async () => {
    const { lock } = lockIn();
    const owner = JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'live', at: new Date().toISOString() });
    fs.writeFileSync(lock, owner);
    await expect(withFileLock(lock, async () => 1, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'BUSY' });
    expect(fs.readFileSync(lock, 'utf8')).toBe(owner);
    // an unreadable lock (another tool's empty file) is not broken while young, but is once old
    fs.writeFileSync(lock, '');
    await expect(withFileLock(lock, async () => 1, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'BUSY' });
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    expect(await withFileLock(lock, async () => 2, { timeoutMs: 2000 })).toBe(2);
  });

  it('verify() fails once the lock was taken over, so a paused holder does not write', async () => {
    const { lock } = lockIn();
    await withFileLock(lock, async (held) => {
      await held.verify();
      fs.writeFileSync(lock, JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'thief', at: new Date().toISOString() }));
      await expect(held.verify()).rejects.toMatchObject({ code: 'BUSY' });
    });
    // the thief's lock is not removed by the former holder's release
    expect(JSON.parse(fs.readFileSync(lock, 'utf8')).token).toBe('thief');
  });

  it('fails with the file system error when the lock cannot be created', async () => {
    const { dir } = lockIn();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    await expect(withFileLock(path.join(dir, 'file', 'x.lock'), async () => 1)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('isLockStale', () => {
  it('is stale when old, or when its holder on this host is gone; never for a live young holder', () => {
    const me = { host: os.hostname(), pid: process.pid, token: 't', at: '' };
    expect(isLockStale(me, 10, 1000)).toBe(false);
    expect(isLockStale(me, 1001, 1000)).toBe(true);
    expect(isLockStale({ ...me, pid: deadPid() }, 10, 1000)).toBe(true);
    expect(isLockStale({ ...me, host: 'another-host', pid: deadPid() }, 10, 1000)).toBe(false);
    expect(isLockStale(null, 10, 1000)).toBe(false);
  });
});
