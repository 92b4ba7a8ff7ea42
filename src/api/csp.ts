// The renderer's Content-Security-Policy, in a module neither shell owns: the Electron shell sets it on
// its app:// responses and web mode on every page it serves. Both import it from here, so neither
// transport depends on the other (the shell used to import it from the web server).

/** The renderer's CSP: only the app's own origin, no eval, no inline script, no plugins, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: data:",
  // 'self' covers the same-origin WebSocket of web mode's event channel (CSP level 3).
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
