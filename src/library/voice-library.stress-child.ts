// One writer of the two-process voice library test (voice-library.processes.test.ts), run as its own
// Node process with tsx: it opens the library folder given on the command line and enrolls, renames
// and deletes its own voices as fast as it can while the other process does the same, checking after
// every step that none of its own surviving voices went missing. It prints one JSON line per committed
// change and a last line with the voices it expects to exist ({ id: name }), then exits 0; a lost
// voice or an unexpected error exits 1 with the reason.
import { VoiceLibrary } from './voice-library.js';
import { createVoiceMap } from './voice-map.js';
import type { BuiltinVoiceEntry } from '../model/manifest.js';

const [dir, tag, opsArg, seedArg] = process.argv.slice(2);
const ops = Number(opsArg ?? 30);
let seed = Number(seedArg ?? 1) >>> 0 || 1;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);

const D = 4;
const builtins: BuiltinVoiceEntry[] = [
  { id: 'stress-a', name: 'Stress A', licence: 'CC0', source: 't', gender: 'female', embedding: Float32Array.from([1, 0, 0, 0]), f0: { mean: Math.log(200), std: 0.2 } },
  { id: 'stress-b', name: 'Stress B', licence: 'CC0', source: 't', gender: 'male', embedding: Float32Array.from([0, 1, 0, 0]), f0: { mean: Math.log(100), std: 0.2 } },
];

function fail(message: string): never {
  process.stdout.write(JSON.stringify({ event: 'error', tag, message }) + '\n');
  process.exit(1);
}

async function main(): Promise<void> {
  const lib = await VoiceLibrary.open({
    builtins,
    userDataDir: dir,
    assetsRoot: dir,
    voiceMap: createVoiceMap(builtins.map((b) => b.embedding)),
    embeddingDim: D,
    log: () => {},
  });
  const mine = new Map<string, string>();
  let n = 0;
  for (let i = 0; i < ops; i++) {
    const r = rand();
    const ids = [...mine.keys()];
    if (ids.length === 0 || r < 0.5) {
      const name = `${tag} ${n++}`;
      const v = await lib.add({ name, embedding: Float32Array.from([rand(), rand(), rand(), 0.5]), f0: { mean: Math.log(150), std: 0.1 }, preview: new Float32Array(800).fill(0.1) });
      mine.set(v.id, v.name);
      process.stdout.write(JSON.stringify({ event: 'added', tag, id: v.id, name }) + '\n');
    } else if (r < 0.8) {
      const id = ids[Math.floor(rand() * ids.length)];
      const name = `${tag} ${n++}`;
      await lib.rename(id, name);
      mine.set(id, name);
      process.stdout.write(JSON.stringify({ event: 'renamed', tag, id, name }) + '\n');
    } else {
      const id = ids[Math.floor(rand() * ids.length)];
      await lib.delete(id);
      mine.delete(id);
      process.stdout.write(JSON.stringify({ event: 'deleted', tag, id }) + '\n');
    }
    // What this process wrote must still be there, as it wrote it, whatever the other one did.
    const listed = new Map(lib.list().map((v) => [v.id, v.name]));
    for (const [id, name] of mine) if (listed.get(id) !== name) fail(`voice ${id} "${name}" is ${listed.has(id) ? `named "${listed.get(id)}"` : 'missing'} after step ${i}`);
  }
  process.stdout.write(JSON.stringify({ event: 'done', tag, voices: Object.fromEntries(mine) }) + '\n');
}

main().catch((err: Error) => fail(err.message));
