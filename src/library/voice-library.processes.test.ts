// Two real Node processes (node --import tsx) enroll, rename and delete voices in the same library folder at the same
// time, for several rounds: afterwards every voice each process kept is there under its last name,
// nothing else is, and the folder holds exactly the files those voices need (no orphans, no temp
// files, no lock). A second scenario kills one writer with SIGKILL mid-run: the other must finish
// (the dead writer's lock is stale) and a reopen leaves no orphan. VOICESHIFT_STRESS_ROUNDS and
// VOICESHIFT_STRESS_OPS make it longer; VOICESHIFT_STRESS_CHILD runs another writer script (to check
// that the test catches a library that loses writes: the version before the lock fails it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuiltinVoiceEntry } from '../model/manifest';
import { REPO_ROOT, tempDir } from '../test-support/models';
import { VoiceLibrary } from './voice-library';
import { createVoiceMap } from './voice-map';

const ROUNDS = Number(process.env.VOICESHIFT_STRESS_ROUNDS ?? 4);
const OPS = Number(process.env.VOICESHIFT_STRESS_OPS ?? 40);
const CHILD = process.env.VOICESHIFT_STRESS_CHILD ?? path.join(REPO_ROOT, 'src', 'library', 'voice-library.stress-child.ts');
const builtins: BuiltinVoiceEntry[] = [
  { id: 'stress-a', name: 'Stress A', licence: 'CC0', source: 't', gender: 'female', embedding: Float32Array.from([1, 0, 0, 0]), f0: { mean: Math.log(200), std: 0.2 } },
  { id: 'stress-b', name: 'Stress B', licence: 'CC0', source: 't', gender: 'male', embedding: Float32Array.from([0, 1, 0, 0]), f0: { mean: Math.log(100), std: 0.2 } },
];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface ChildEvent {
  event: 'added' | 'renamed' | 'deleted' | 'done' | 'error';
  tag: string;
  id?: string;
  name?: string;
  voices?: Record<string, string>;
  message?: string;
}

/** Runs one writer; resolves with its events, its exit code and its stderr. `killAfter` SIGKILLs it after that many changes. */
function runChild(dir: string, tag: string, ops: number, seed: number, killAfter?: number): Promise<{ events: ChildEvent[]; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    // node with tsx's loader, not the tsx CLI: that one runs the script in a grandchild that a SIGKILL would not reach.
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, tag, String(ops), String(seed)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: ChildEvent[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        events.push(JSON.parse(line) as ChildEvent);
        if (killAfter !== undefined && events.length === killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ events, code, stderr }));
  });
}

const open = (dir: string, log: string[] = []) =>
  VoiceLibrary.open({ builtins, userDataDir: dir, assetsRoot: dir, voiceMap: createVoiceMap(builtins.map((b) => b.embedding)), embeddingDim: 4, log: (m) => log.push(m) });

/** The enrolled voices of a fresh open, as { id: name }. */
async function onDisk(dir: string, log?: string[]): Promise<Record<string, string>> {
  const lib = await open(dir, log);
  return Object.fromEntries(lib.list().filter((v) => v.kind === 'enrolled').map((v) => [v.id, v.name]));
}

/** Asserts the folder holds exactly the files of `ids` (record copy + preview each) and nothing left over. */
function expectExactFiles(dir: string, ids: string[]): void {
  const voiceFiles = fs.existsSync(path.join(dir, 'voices')) ? fs.readdirSync(path.join(dir, 'voices')).sort() : [];
  expect(voiceFiles).toEqual(ids.flatMap((id) => [`${id}.json`, `${id}.s16`]).sort());
  const top = fs.readdirSync(dir).filter((f) => f !== 'voices').sort();
  expect(top.filter((f) => f !== 'voices.json' && f !== 'voices.json.bak')).toEqual([]);
}

describe('the voice library shared by two processes', () => {
  it(`loses nothing and orphans nothing: 2 processes × ${OPS} changes, ${ROUNDS} rounds on one folder`, async () => {
    const dir = tempDir();
    dirs.push(dir);
    let expected: Record<string, string> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await Promise.all([runChild(dir, `A${round}`, OPS, 11 + round), runChild(dir, `B${round}`, OPS, 977 + round)]);
      for (const r of [a, b]) {
        const last = r.events.at(-1);
        expect(r.code, `${last?.message ?? ''} ${r.stderr}`).toBe(0);
        expect(last?.event).toBe('done');
        expect(r.events.length).toBe(OPS + 1);
      }
      expected = { ...expected, ...a.events.at(-1)!.voices, ...b.events.at(-1)!.voices };
      const log: string[] = [];
      expect(await onDisk(dir, log)).toEqual(expected);
      expect(log).toEqual([]); // nothing needed repairing
      expectExactFiles(dir, Object.keys(expected));
    }
    expect(Object.keys(expected).length).toBeGreaterThan(ROUNDS * 4);
  }, 600_000);

  it('a writer killed mid-run (SIGKILL) blocks nobody, and a reopen leaves no orphan', async () => {
    const dir = tempDir();
    dirs.push(dir);
    for (let round = 0; round < Math.max(2, Math.ceil(ROUNDS / 2)); round++) {
      const killAfter = 5 + round * 3;
      const [victim, survivor] = await Promise.all([runChild(dir, `K${round}`, OPS, 31 + round, killAfter), runChild(dir, `S${round}`, OPS, 53 + round)]);
      expect(survivor.code, survivor.stderr).toBe(0);
      expect(victim.code).not.toBe(0);
      const log: string[] = [];
      const voices = await onDisk(dir, log);
      // The survivor's voices are exactly as it left them.
      for (const [id, name] of Object.entries(survivor.events.at(-1)!.voices!)) expect(voices[id]).toBe(name);
      // The victim's committed voices: added and not deleted since, under the last committed name
      // (its one change in flight at the kill may or may not have landed).
      const committed = new Map<string, string>();
      for (const e of victim.events) {
        if (e.event === 'deleted') committed.delete(e.id!);
        else if (e.event === 'added' || e.event === 'renamed') committed.set(e.id!, e.name!);
      }
      for (const [id] of committed) expect(Object.keys(voices)).toContain(id);
      expectExactFiles(dir, Object.keys(voices));
      // The dead writer's lock, if it held one, was broken by the next writer.
      expect(fs.existsSync(path.join(dir, 'voices.json.lock'))).toBe(false);
    }
  }, 600_000);
});
