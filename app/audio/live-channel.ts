// The renderer's end of a live session's connection, the same shape on both transports:
//   - web mode: a WebSocket to /api/live (the HttpOnly cookie, Host and Origin checks of /api/events);
//     control and statistics as JSON text frames, audio as binary frames (src/api/live-frames.ts);
//   - Electron: the preload's `voiceLive.connect`, a MessagePort to the live engine process.
// `sendAudio` applies the sender's half of the back-pressure rule: a block is dropped (and the caller
// counts it) when the WebSocket already holds more than `maxBufferedBlocks` unsent blocks.
import type { LiveClientMessage, LiveServerMessage, VoiceLive } from '../../src/api/types';
import { LIVE_FRAME_HEADER_BYTES, LIVE_PATH, LIVE_SAMPLE_RATE } from '../../src/api/types';
import { decodeAudioFrame, encodeAudioFrame, FLAG_AFTER_DROP, STREAM_CONVERTED, STREAM_MIC } from '../../src/api/live-frames';

declare global {
  interface Window {
    voiceLive?: VoiceLive;
  }
}

export interface LiveChannel {
  control(message: Exclude<LiveClientMessage, { type: 'audio' }>): void;
  /** Sends a microphone block; false when it was dropped (the connection is backed up or closed). */
  sendAudio(seq: number, samples: Float32Array): boolean;
  close(): void;
}

export function openLiveChannel(onMessage: (m: LiveServerMessage) => void, onClose: () => void, maxBufferedBlocks = 3): Promise<LiveChannel> {
  if (window.voiceLive) {
    const link = window.voiceLive.connect(onMessage, onClose);
    return Promise.resolve({
      control: (m) => link.send(m),
      sendAudio: (seq, samples) => (link.send({ type: 'audio', seq, samples }), true),
      close: () => link.close(),
    });
  }
  return new Promise((resolve, reject) => {
    const url = new URL(`.${LIVE_PATH}`, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let opened = false;
    ws.onopen = () => {
      opened = true;
      resolve({
        control: (m) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m)),
        sendAudio: (seq, samples) => {
          if (ws.readyState !== WebSocket.OPEN) return false;
          if (ws.bufferedAmount > maxBufferedBlocks * (LIVE_FRAME_HEADER_BYTES + samples.length * 4)) return false;
          ws.send(encodeAudioFrame({ stream: STREAM_MIC, flags: 0, seq, sampleRate: LIVE_SAMPLE_RATE, samples }));
          return true;
        },
        close: () => ws.close(),
      });
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') {
        try {
          onMessage(JSON.parse(e.data) as LiveServerMessage);
        } catch {
          // not a message: ignore
        }
        return;
      }
      const f = decodeAudioFrame(new Uint8Array(e.data as ArrayBuffer));
      if (f && f.stream === STREAM_CONVERTED) onMessage({ type: 'audio', seq: f.seq, samples: f.samples, ...(f.flags & FLAG_AFTER_DROP ? { afterDrop: true } : {}) });
    };
    ws.onclose = () => {
      if (!opened) reject(new Error('The live channel could not be opened.'));
      else onClose();
    };
  });
}
