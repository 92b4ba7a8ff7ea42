// Brings API audio (any rate, any channel count) to what the model takes: 16 kHz mono float32
// (DESIGN §3), with the DSP module's downmix (channel mean) and band-limited resampler.
import type { AudioData } from '../api/types.js';
import { downmix } from '../audio/downmix.js';
import { resample } from '../audio/resample.js';
import { MODEL_RATE } from './frames.js';

/** 16 kHz mono copy of `audio` for the model (a new array; the input is never modified). */
export function toModelAudio(audio: AudioData): Float32Array {
  const mono = downmix(audio);
  return audio.sampleRate === MODEL_RATE ? mono : resample(mono, audio.sampleRate, MODEL_RATE);
}
