// Picks the transport: the Electron preload's `window.voiceApi` / `window.voiceEvents` when present,
// otherwise the web-mode HTTP client and its WebSocket event channel. The rest of the renderer only
// sees the VoiceApi and VoiceEvents types.
import type { VoiceApi, VoiceEvents } from '../src/api/types';
import { createWebClient } from './web-client';
import { createWebEvents } from './web-events';

declare global {
  interface Window {
    voiceApi?: VoiceApi;
    voiceEvents?: VoiceEvents;
  }
}

function pickApi(): VoiceApi {
  if (window.voiceApi) return window.voiceApi;
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
