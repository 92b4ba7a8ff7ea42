// Picks the transport: the Electron preload's `window.voiceApi` when present, otherwise the web-mode
// HTTP client. The rest of the renderer only sees the VoiceApi type.
import type { VoiceApi } from '../src/api/types';
import { createWebClient } from './web-client';

declare global {
  interface Window {
    voiceApi?: VoiceApi;
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

/** Which transport the renderer is on. */
export const transport: 'electron' | 'web' = window.voiceApi ? 'electron' : 'web';
