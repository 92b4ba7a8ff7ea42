// The web-mode event channel on the renderer side: one WebSocket to /api/events (authenticated by the
// HttpOnly cookie set when the page loaded, plus the server's Host and Origin checks), opened while
// anyone subscribes and reopened with a growing delay when it drops. Subscribers get the engine's
// events and 'channel' open/closed events, so they can resync with one getJob after a gap.
// Binary frames are reserved for live audio (next) and ignored here.
import type { Unsubscribe, VoiceEvent, VoiceEvents } from '../src/api/types';

/** Builds the event side of the web transport for the page's own origin. */
export function createWebEvents(): VoiceEvents {
  const listeners = new Set<(event: VoiceEvent) => void>();
  let socket: WebSocket | null = null;
  let open = false;
  let retryMs = 250;
  let retryTimer: number | null = null;

  const emit = (event: VoiceEvent): void => {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch (err) {
        console.error(err);
      }
    }
  };
  const channelEvent = (state: 'open' | 'closed'): VoiceEvent => ({ type: 'channel', state, at: performance.timeOrigin + performance.now() });

  const connect = (): void => {
    if (socket || listeners.size === 0) return;
    const url = new URL('./api/events', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    const ws = new WebSocket(url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    // Handlers of a socket we already let go (the last subscriber left) do nothing.
    ws.onopen = () => {
      if (socket !== ws) return;
      open = true;
      retryMs = 250;
      emit(channelEvent('open'));
    };
    ws.onmessage = (m: MessageEvent) => {
      if (socket !== ws || typeof m.data !== 'string') return;
      try {
        emit(JSON.parse(m.data) as VoiceEvent);
      } catch {
        // not an event: ignore
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      open = false;
      socket = null;
      // Also after an attempt that never opened: subscribers resync with one call per attempt, so a
      // channel that cannot open (a proxy that refuses WebSockets) degrades to a slow resync, not a hang.
      emit(channelEvent('closed'));
      if (listeners.size > 0 && retryTimer === null) {
        retryTimer = window.setTimeout(() => {
          retryTimer = null;
          connect();
        }, retryMs);
        retryMs = Math.min(5000, retryMs * 2);
      }
    };
  };

  return {
    subscribe(listener): Unsubscribe {
      const entry = (e: VoiceEvent): void => listener(e);
      listeners.add(entry);
      if (open) queueMicrotask(() => listeners.has(entry) && entry(channelEvent('open')));
      connect();
      return () => {
        listeners.delete(entry);
        if (listeners.size === 0) {
          if (retryTimer !== null) window.clearTimeout(retryTimer);
          retryTimer = null;
          const ws = socket;
          socket = null;
          open = false;
          ws?.close();
        }
      };
    },
  };
}
