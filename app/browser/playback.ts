// Plays AudioData once through Web Audio (voice previews): an AudioContext per playback, closed when
// the sound ends or when the caller stops it.
import type { AudioData } from '../../src/api/types';

/** Starts playback; resolves when it ends. Call the returned stop() to end it early. */
export function playAudioData(audio: AudioData): { done: Promise<void>; stop: () => void } {
  const ctx = new AudioContext();
  const frames = audio.channels[0]?.length ?? 0;
  const buffer = ctx.createBuffer(audio.channels.length, Math.max(1, frames), audio.sampleRate);
  audio.channels.forEach((ch, i) => buffer.copyToChannel(new Float32Array(ch), i));
  const node = ctx.createBufferSource();
  node.buffer = buffer;
  node.connect(ctx.destination);
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    void ctx.close().catch(() => {});
    finish();
  };
  node.onended = close;
  node.start();
  return {
    done,
    stop: () => {
      try {
        node.stop();
      } catch {
        // already stopped
      }
      close();
    },
  };
}
