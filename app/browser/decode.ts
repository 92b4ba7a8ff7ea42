// Turns a user's file into AudioData. WAV is parsed directly (keeping its own sample rate); anything
// else (MP3, FLAC, OGG, M4A) goes through the browser's decodeAudioData. Failures become a DECODE
// error with plain words.
import type { AudioData } from '../../src/api/types';
import { codedError } from '../lib/errors';
import { decodeWav } from '../lib/wav';

/** Sample rate used when the browser decodes compressed formats (it resamples to its context rate). */
const DECODE_RATE = 48_000;
/** Largest file accepted, bytes (an hour of 48 kHz stereo 24-bit WAV is ~1 GB; the API takes 65 min). */
const MAX_BYTES = 600 * 1024 * 1024;

export const ACCEPTED_TYPES = '.wav,.mp3,.flac,.ogg,.oga,.opus,.m4a,.aac,.webm,audio/*';

/** Above this many bytes of float samples, audio is reduced to the model's rate before it is sent. */
const MAX_SEND_BYTES = 256 * 1024 * 1024;
/** The engine's model rate: nothing above it survives conversion anyway. */
const MODEL_RATE = 16_000;

function hasSound(audio: AudioData): boolean {
  return audio.channels.some((ch) => ch.length > 0);
}

/**
 * Keeps long recordings within the web-mode request limit: when the float samples would exceed
 * MAX_SEND_BYTES (e.g. over ~20 minutes of 48 kHz stereo), downmix and resample to 16 kHz mono with
 * the browser's band-limited resampler. Shorter clips keep their rate and channels.
 */
export async function fitForEngine(audio: AudioData): Promise<AudioData> {
  const length = audio.channels[0]?.length ?? 0;
  if (length * audio.channels.length * 4 <= MAX_SEND_BYTES) return audio;
  const outLength = Math.ceil((length * MODEL_RATE) / audio.sampleRate);
  const source = new AudioBuffer({ length, numberOfChannels: audio.channels.length, sampleRate: audio.sampleRate });
  audio.channels.forEach((ch, i) => source.copyToChannel(ch as Float32Array<ArrayBuffer>, i));
  const ctx = new OfflineAudioContext(1, outLength, MODEL_RATE);
  const node = new AudioBufferSourceNode(ctx, { buffer: source });
  node.connect(ctx.destination);
  node.start();
  const rendered = await ctx.startRendering();
  return { sampleRate: MODEL_RATE, channels: [new Float32Array(rendered.getChannelData(0))] };
}

/** Decodes a file the user picked or dropped, sized for the engine (see fitForEngine). */
export async function decodeAudioFile(file: Blob & { name?: string }): Promise<AudioData> {
  return fitForEngine(await decodeFullRate(file));
}

async function decodeFullRate(file: Blob & { name?: string }): Promise<AudioData> {
  const label = file.name ? `"${file.name}"` : 'The file';
  if (file.size === 0) throw codedError('DECODE', `${label} is empty.`);
  if (file.size > MAX_BYTES) throw codedError('DECODE', `${label} is too large (over 600 MB).`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isRiff = bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF';
  if (isRiff) {
    try {
      const audio = decodeWav(bytes);
      if (hasSound(audio)) return audio;
    } catch {
      // WAV variants we do not parse (ADPCM, ...) may still decode in the browser.
    }
  }
  let buffer: AudioBuffer;
  try {
    const ctx = new OfflineAudioContext(1, 1, DECODE_RATE);
    buffer = await ctx.decodeAudioData(bytes.buffer.slice(0) as ArrayBuffer);
  } catch {
    throw codedError('DECODE', `${label} is not audio this app can read, or it is damaged.`);
  }
  if (buffer.length === 0) throw codedError('DECODE', `${label} contains no sound.`);
  const channels: Float32Array[] = [];
  for (let c = 0; c < Math.min(buffer.numberOfChannels, 8); c++) channels.push(new Float32Array(buffer.getChannelData(c)));
  return { sampleRate: buffer.sampleRate, channels };
}
