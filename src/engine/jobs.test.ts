import { describe, expect, it } from 'vitest';
import { JobRegistry, type JobContext } from './jobs';
import { throwIfCancelled } from '../pipeline/frames';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobRegistry', () => {
  it('runs jobs one at a time by default and reports progress and results', async () => {
    const reg = new JobRegistry<number>();
    let running = 0;
    let maxRunning = 0;
    const work = (v: number) => async (ctx: JobContext) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      ctx.progress('content', 0.5);
      await sleep(20);
      running--;
      return v;
    };
    const a = reg.start(work(1));
    const b = reg.start(work(2));
    expect(reg.status(b).state).toBe('queued');
    await reg.wait(a);
    await reg.wait(b);
    expect(maxRunning).toBe(1);
    expect(reg.status(a)).toMatchObject({ state: 'done', progress: 1, result: 1 });
    expect(reg.status(b).result).toBe(2);
  });

  it('cancels a queued job at once and a running job at its next check', async () => {
    const reg = new JobRegistry<string>();
    const running = reg.start(async ({ signal }) => {
      for (let i = 0; i < 100; i++) {
        throwIfCancelled(signal);
        await sleep(5);
      }
      return 'finished';
    });
    const queued = reg.start(async () => 'never');
    await sleep(15);
    expect(reg.cancel(queued)).toBe(true);
    expect(reg.status(queued).state).toBe('cancelled');
    expect(reg.cancel(running)).toBe(true);
    await reg.wait(running);
    const s = reg.status(running);
    expect(s.state).toBe('cancelled');
    expect(s.error?.code).toBe('CANCELLED');
    expect(reg.cancel(running)).toBe(false);
  });

  it('reports failures as typed errors, evicts old results and refuses unknown ids', async () => {
    const reg = new JobRegistry<number>({ keepMs: 30, maxFinished: 1 });
    const bad = reg.start(async () => {
      throw new Error('secret /path/detail');
    });
    await reg.wait(bad);
    expect(reg.status(bad).state).toBe('failed');
    expect(reg.status(bad).error?.code).toBe('INTERNAL');
    expect(reg.status(bad).error?.message).not.toContain('/path');
    const ok = reg.start(async () => 1);
    await reg.wait(ok);
    expect(() => reg.status(bad)).toThrow(/not known/); // only 1 finished job kept
    await sleep(40);
    expect(() => reg.status(ok)).toThrow(/not known/);
    expect(() => reg.cancel('job-nope')).toThrow(/not known/);
  });

  it('keeps finished results within a byte budget, newest first', async () => {
    const reg = new JobRegistry<number>({ sizeOf: (r) => r as number, maxRetainedBytes: 100 });
    const ids: string[] = [];
    for (const size of [60, 30, 50]) {
      const id = reg.start(async () => size);
      ids.push(id);
      await reg.wait(id);
    }
    expect(() => reg.status(ids[0])).toThrow(/not known/);
    expect(reg.status(ids[1]).result).toBe(30); // 50 + 30 fit the budget, + 60 does not
    expect(reg.status(ids[2]).result).toBe(50);
  });
});
