// Decoder fuzzing (issue 5): thousands of mutated WAV, FLAC, MP3, Ogg Vorbis and Ogg Opus files made
// from small valid seeds with a seeded PRNG (the same cases every run): byte writes, header bit flips,
// truncation at every header byte and through the body, huge declared sizes, zero and absurd channel
// counts and sample rates, spliced formats and garbage. Every case must, within CASE_MS, either decode
// to well-formed audio or reject with an AudioDecodeError; never throw anything else, never hang.
// The cases run in a child process (decode.fuzz-worker.ts) that reports before and after each one, so
// a hang inside a synchronous wasm decoder is caught by a watchdog that kills the child.
//   VS_FUZZ_SCALE=4 npx vitest run src/audio/decode.fuzz.test.ts   (more cases)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FuzzMessage } from './decode.fuzz-worker.js';

const CASE_MS = Number(process.env.VS_FUZZ_CASE_MS ?? 2000);
const worker = fileURLToPath(new URL('./decode.fuzz-worker.ts', import.meta.url));

interface FuzzRun {
  done?: FuzzMessage;
  problems: string[];
  slow: string[];
  hung?: string;
  exit?: string;
  ran: number;
}

function runFuzz(env: Record<string, string>, caseMs = CASE_MS): Promise<FuzzRun> {
  return new Promise((resolve) => {
    const child = fork(worker, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=1024'],
      env: { ...process.env, ...env },
      // libopus and friends print every corrupt packet to stderr: keep only the tail, for a crash report.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const run: FuzzRun = { problems: [], slow: [], ran: 0 };
    let current: FuzzMessage | null = null;
    let watchdog: NodeJS.Timeout | null = null;
    const arm = (ms: number): void => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        run.hung = current ? `case ${current.index} (${current.label}) did not finish within ${ms} ms` : `the worker did not start within ${ms} ms`;
        child.kill('SIGKILL');
      }, ms);
    };
    arm(30_000); // start-up: tsx compiles the worker and the decoders' wasm
    child.on('message', (m: FuzzMessage) => {
      if (m.type === 'start') {
        current = m;
        // The first case of each format also instantiates its wasm module.
        arm(run.ran < 1 ? 10_000 : caseMs * 2);
      } else if (m.type === 'end') {
        run.ran++;
        if (m.problem) run.problems.push(`case ${m.index} (${m.label}): ${m.problem}`);
        if (m.ms! > caseMs) run.slow.push(`case ${m.index} (${m.label}): ${Math.round(m.ms!)} ms`);
        current = null;
        arm(caseMs * 2);
      } else if (m.type === 'done') {
        run.done = m;
      }
    });
    child.on('exit', (code, signal) => {
      if (watchdog) clearTimeout(watchdog);
      if (code !== 0) run.exit = `worker exited with ${code ?? signal}${current ? ` during case ${current.index} (${current.label})` : ''}\n${stderr}`;
      resolve(run);
    });
  });
}

describe('decoder fuzzing', () => {
  it(`never crashes, hangs or throws anything but AudioDecodeError on mutated files (${CASE_MS} ms per case)`, async () => {
    const scale = process.env.VS_FUZZ_SCALE ?? '1';
    const t0 = performance.now();
    const run = await runFuzz({ VS_FUZZ_SCALE: scale, VS_FUZZ_SEED: process.env.VS_FUZZ_SEED ?? '20261130' });
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `[decode-fuzz] ${run.ran} cases in ${secs.toFixed(1)} s (scale ${scale}); outcomes ${JSON.stringify(run.done?.counts)}; slowest ${Math.round(run.done?.maxMs ?? 0)} ms; worker peak RSS ${run.done?.maxRssMB} MB`,
    );
    expect(run.hung, run.hung).toBeUndefined();
    expect(run.exit, run.exit).toBeUndefined();
    expect(run.problems, run.problems.slice(0, 10).join('\n')).toEqual([]);
    expect(run.slow, run.slow.slice(0, 10).join('\n')).toEqual([]);
    expect(run.done?.total).toBe(run.ran);
    expect(run.ran).toBeGreaterThan(2500);
    // Huge declared sizes must not turn into huge allocations.
    expect(run.done!.maxRssMB!).toBeLessThan(1024);
  }, 180_000 * Math.max(1, Number(process.env.VS_FUZZ_SCALE ?? 1)));

  it('the watchdog catches a case that never returns (self-test)', async () => {
    const run = await runFuzz({ VS_FUZZ_SCALE: '0.05', VS_FUZZ_HANG_AT: '5' }, 500);
    expect(run.hung).toMatch(/^case 5 .*did not finish within 1000 ms/);
    expect(run.ran).toBe(5);
  }, 60_000);
});
