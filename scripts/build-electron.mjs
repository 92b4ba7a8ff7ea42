// Bundles electron/main.ts, electron/preload.ts and the engine process's entry (with the engine code
// it imports) into CommonJS files in dist-electron/. The sandboxed preload must be a single self-contained script.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  external: ['electron', 'onnxruntime-node'],
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist-electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist-electron/preload.cjs' });
// The engine runs in a utilityProcess of its own (electron/engine-launcher.ts).
// Its import.meta (empty in CommonJS) is only read where a source checkout is run (dsp-thread.ts).
await build({ ...common, entryPoints: ['src/engine-process/host.ts'], outfile: 'dist-electron/engine.cjs', logOverride: { 'empty-import-meta': 'silent' } });
// The conversion's DSP thread (src/pipeline/dsp-thread.ts looks for it beside engine.cjs).
await build({ ...common, entryPoints: ['src/pipeline/dsp-worker.ts'], outfile: 'dist-electron/dsp-worker.cjs' });
console.log('Built dist-electron/main.cjs, preload.cjs, engine.cjs and dsp-worker.cjs');
