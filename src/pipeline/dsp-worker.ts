// The conversion's DSP on a worker thread (src/pipeline/dsp-thread.ts starts it). Why it exists:
// onnxruntime-node runs every graph synchronously on the JavaScript thread (its `run` only defers the
// native call with setImmediate), so the models and the DSP would share one core. The source's pitch
// track and the neural vocoder's synthesis are pure typed-array work: here they run beside the models on
// the second core. One request at a time, answered in order.
import { parentPort } from 'node:worker_threads';
import { sourceFilter } from '../dsp/source-filter.js';
import { f0Blocked } from './pitch.js';
import type { DspReply, DspRequest } from './dsp-thread.js';

parentPort?.on('message', (m: DspRequest) => {
  const t0 = performance.now();
  try {
    if (m.kind === 'synthesize') {
      const j = m.job;
      const audio = sourceFilter(j.logMel, j.frames, j.pitchHz, j.voiced, j.aperiodicity, j.options);
      const reply: DspReply = { id: m.id, kind: 'synthesize', audio, ms: performance.now() - t0 };
      parentPort!.postMessage(reply, [audio.buffer as ArrayBuffer]);
    } else {
      const track = f0Blocked(m.audio, undefined, m.gain);
      const reply: DspReply = { id: m.id, kind: 'pitch', track, ms: performance.now() - t0 };
      parentPort!.postMessage(reply); // copied: a few kB, and the two arrays may share a buffer
    }
  } catch (e) {
    const reply: DspReply = { id: m.id, kind: 'error', error: (e as Error).message, ms: performance.now() - t0 };
    parentPort!.postMessage(reply);
  }
});
