// The converter factory of the live engine process: the engine's conversion model and a target
// resolved from the session's voice/blend (the library is re-read once when a voice is unknown: it may
// have been enrolled through the main engine process after this one loaded), with the defaults of the
// export's graphs (STREAM_DEFAULTS: the streaming pair when shipped) and the session's pitch and block length. The first session also warms the graphs up on a
// throwaway converter, so the first real block does not pay onnxruntime's first-run cost (which would
// count as a drop).
import { ApiError } from '../api/errors.js';
import type { Engine } from '../engine/engine.js';
import type { TargetVoice } from '../pipeline/pipeline.js';
import { StreamingConverter, warmUpStreaming, type StreamOptions } from '../stream/streaming-converter.js';
import type { LiveConverterFactory } from './session-manager.js';

/** A factory over a (lazily loaded) engine. */
export function engineConverterFactory(engine: () => Promise<Engine>): LiveConverterFactory {
  let warmed = false;
  return async ({ mix, pitchSemitones, blockMs }) => {
    const eng = await engine();
    let target: TargetVoice;
    try {
      target = eng.resolveTarget(mix);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'NOT_FOUND') throw err;
      await eng.library.reload();
      target = eng.resolveTarget(mix);
    }
    const options: StreamOptions = { pitchSemitones, ...(blockMs === undefined ? {} : { blockMs }) };
    if (!warmed) {
      await warmUpStreaming(eng.converter, target, options);
      warmed = true;
    }
    return new StreamingConverter(eng.converter, target, options);
  };
}
