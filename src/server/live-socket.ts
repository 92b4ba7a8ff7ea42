// Web mode's live channel: one WebSocket at /api/live per live session (authenticated by the web server
// exactly like /api/events before it gets here). Text frames carry the JSON control and statistics
// messages (LiveClientMessage / LiveServerMessage without audio); binary frames carry audio blocks
// (src/api/live-frames.ts): microphone blocks in, converted blocks out. Back-pressure toward the browser:
// when more than `highWaterBytes` are queued on the socket, a converted block is dropped and counted
// (`sendDrops` in the statistics), never queued behind the others.
import type { LiveServerMessage } from '../api/types.js';
import { LIVE_SAMPLE_RATE } from '../api/types.js';
import { decodeAudioFrame, encodeAudioFrame, FLAG_AFTER_DROP, STREAM_CONVERTED, STREAM_MIC } from '../api/live-frames.js';
import type { LiveBackend } from './live-backend.js';
import type { WebSocketConnection } from './websocket.js';

/** Connects an accepted live WebSocket to a backend session. */
export function attachLiveSocket(conn: WebSocketConnection, backend: LiveBackend, options: { highWaterBytes?: number } = {}): void {
  const highWater = options.highWaterBytes ?? 32 * 1024;
  let sendDrops = 0;
  const onMessage = (m: LiveServerMessage): void => {
    if (m.type === 'audio') {
      if (conn.bufferedBytes > highWater) {
        sendDrops++;
        return;
      }
      conn.send(encodeAudioFrame({ stream: STREAM_CONVERTED, flags: m.afterDrop ? FLAG_AFTER_DROP : 0, seq: m.seq, sampleRate: LIVE_SAMPLE_RATE, samples: m.samples }));
      return;
    }
    if (m.type === 'stats' || m.type === 'stopped') m = { ...m, sendDrops: m.sendDrops + sendDrops };
    conn.send(JSON.stringify(m));
  };
  let link: ReturnType<LiveBackend['open']>;
  try {
    link = backend.open(onMessage, (error) => {
      conn.send(JSON.stringify({ type: 'error', error }));
      conn.close(1011, 'live engine stopped');
    });
  } catch {
    conn.close(1011, 'live engine unavailable');
    return;
  }
  conn.onMessage((data) => {
    if (typeof data === 'string') {
      let msg: unknown;
      try {
        msg = JSON.parse(data);
      } catch {
        return void conn.send(JSON.stringify({ type: 'error', error: { code: 'INVALID_ARGUMENT', message: 'A live control message must be JSON.' } }));
      }
      if ((msg as { type?: unknown })?.type === 'audio') return; // audio comes as binary frames only
      link.send(msg as never);
      return;
    }
    const frame = decodeAudioFrame(data);
    if (!frame || frame.stream !== STREAM_MIC || frame.sampleRate !== LIVE_SAMPLE_RATE) {
      return void conn.send(JSON.stringify({ type: 'error', error: { code: 'INVALID_ARGUMENT', message: `Live audio must be ${LIVE_SAMPLE_RATE} Hz microphone frames.` } }));
    }
    link.send({ type: 'audio', seq: frame.seq, samples: frame.samples });
  });
  conn.onClose(() => link.close());
}
