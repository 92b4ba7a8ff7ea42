// Picks the transport: the Electron preload's `window.voiceApi` / `window.voiceEvents` when present,
// otherwise the web-mode HTTP client and its WebSocket event channel. The rest of the renderer only
// sees the VoiceApi and VoiceEvents types.
// Both transports reject a failed call with the same ApiError (src/api/errors.ts), rebuilt from the
// envelope's ApiErrorInfo.
import { unwrap } from '../src/api/errors';
import type { EnvelopeApi } from '../src/api/handlers';
import type { VoiceApi, VoiceEvents } from '../src/api/types';
import { createWebClient } from './web-client';
import { createWebEvents } from './web-events';

declare global {
  interface Window {
    /** The Electron preload's calls, each resolving with its envelope. */
    voiceApi?: EnvelopeApi;
    voiceEvents?: VoiceEvents;
  }
}

/** The preload's envelope calls as a VoiceApi: a failed envelope rejects with its ApiError. */
function fromEnvelopes(calls: EnvelopeApi): VoiceApi {
  const byName = calls as unknown as Record<string, ((args?: unknown) => Promise<Parameters<typeof unwrap>[0]>) | undefined>;
  return new Proxy({} as VoiceApi, {
    get: (_target, name) => {
      const fn = typeof name === 'string' ? byName[name] : undefined;
      return fn ? (args?: unknown) => fn(args).then(unwrap) : undefined;
    },
  });
}

function pickApi(): VoiceApi {
  if (window.voiceApi) return fromEnvelopes(window.voiceApi);
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token');
  if (token) {
    // Keep the token for this tab's later calls but take it out of the address bar and history.
    sessionStorage.setItem('voiceshift-token', token);
    params.delete('token');
    const query = params.toString();
    window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
  }
  return createWebClient(token ?? sessionStorage.getItem('voiceshift-token'));
}

/** The VoiceApi for this renderer. */
export const api: VoiceApi = pickApi();

/**
 * Events the engine pushes (job progress and ends, engine restarts). `events.subscribe(listener)`
 * returns its own unsubscribe function.
 */
export const events: VoiceEvents = window.voiceEvents ?? createWebEvents();

/** Which transport the renderer is on. */
export const transport: 'electron' | 'web' = window.voiceApi ? 'electron' : 'web';
