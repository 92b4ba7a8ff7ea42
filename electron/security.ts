// The Electron shell's security rules in one place: window preferences, the CSP, navigation and
// window.open guards, and the sender check every IPC handler runs before touching the engine.
import type { BrowserWindowConstructorOptions, IpcMainInvokeEvent, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../src/api/csp.js';

/** The custom scheme the renderer is served from (never file://, so the CSP header applies). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://voiceshift`;

export { CONTENT_SECURITY_POLICY };

/** Web preferences for every window: isolated, sandboxed, no Node in the renderer. */
export function secureWebPreferences(preload: string, devTools = false): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload,
    // Developer tools only in development builds; a packaged app cannot open them.
    devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** True when a URL belongs to the app's own origin. */
export function isAppUrl(url: string): boolean {
  try {
    // Compare scheme and host, not URL.origin: for a custom scheme Node's origin is the string "null".
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'voiceshift' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * Origins the app may open in the system browser. The renderer has no external links today, so the
 * list is empty: a compromised renderer cannot send the user to an arbitrary page.
 */
export const EXTERNAL_ORIGINS: readonly string[] = [];

/** True when `url` is an https URL on one of `origins` (exact origin match). */
export function isExternalAllowed(url: string, origins: readonly string[] = EXTERNAL_ORIGINS): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && origins.includes(u.origin);
  } catch {
    return false;
  }
}

/** Blocks navigation away from the app, new windows and webviews for one WebContents. */
export function lockDownContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Only allow-listed https pages open, in the system browser; nothing opens inside the app.
    if (isExternalAllowed(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * The sender check for IPC: the call must come from the main frame of our window, showing our
 * origin. Anything else (an injected frame, a navigated page) is refused.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, expected: WebContents | null): boolean {
  if (!expected || event.sender !== expected) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== expected.mainFrame) return false;
  return isAppUrl(frame.url);
}

/** The one permission the renderer may have: the microphone, for our own origin only. */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  // isAppUrl, not startsWith(APP_ORIGIN): that prefix also matches app://voiceshift.evil/.
  return permission === 'media' && requestingUrl !== undefined && isAppUrl(requestingUrl);
}
