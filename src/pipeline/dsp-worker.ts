// The conversion's DSP on a worker thread (src/pipeline/dsp-thread.ts starts it). Why it exists:
// onnxruntime-node runs every graph synchronously on the JavaScript thread (its `run` only defers the
// native call with setImmediate), so the models and the DSP would share one core. Half the input's
// resampling, the source's pitch track, the neural vocoder's synthesis and the result's loudness gain are pure typed-array work:
// here they run beside the JavaScript thread on the second core. One request at a time, answered in order.
import { parentPort } from 'node:worker_threads';
import { DspThread, type DspReply, type DspRequest } from './dsp-thread.js';
import type { F0Track } from '../dsp/f0.js';

parentPort?.on('message', (m: DspRequest) => {
  const t0 = performance.now();
  try {
    const value = DspThread.compute(m);
    const ms = performance.now() - t0;
    if (m.kind === 'pitch') {
      const reply: DspReply = { id: m.id, kind: 'pitch', track: value as F0Track, ms };
      parentPort!.postMessage(reply); // copied: a few kB, and the two arrays may share a buffer
    } else if (m.kind === 'loudness') {
      const reply: DspReply = { id: m.id, kind: 'loudness', gain: value as number, ms };
      parentPort!.postMessage(reply);
    } else {
      const audio = value as Float32Array;
      const reply: DspReply = { id: m.id, kind: m.kind, audio, ms };
      parentPort!.postMessage(reply, [audio.buffer as ArrayBuffer]);
    }
  } catch (e) {
    const reply: DspReply = { id: m.id, kind: 'error', error: (e as Error).message, ms: performance.now() - t0 };
    parentPort!.postMessage(reply);
  }
});
