// The web-mode transport on the renderer side: each VoiceApi call is a POST to /api/<call> carrying
// the shared wire format, authenticated by the per-launch token (cookie set when the page loaded,
// and the header when the token is in the URL).
// A failed call rejects with the engine's own ApiError, rebuilt from the envelope's ApiErrorInfo.
import { ApiError, unwrap } from '../src/api/errors';
import type { Envelope } from '../src/api/handlers';
import type { CallName, VoiceApi } from '../src/api/types';
import { decodeMessage, encodeMessage } from '../src/api/wire';

/** Builds the VoiceApi over HTTP against the page's own origin. */
export function createWebClient(token: string | null): VoiceApi {
  const call = async (name: CallName, args?: unknown): Promise<unknown> => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (token) headers['x-voiceshift-token'] = token;
    const body = args === undefined ? new Uint8Array(0) : encodeMessage(args);
    let response: Response;
    try {
      response = await fetch(`./api/${name}`, { method: 'POST', headers, body: body as BodyInit, credentials: 'same-origin' });
    } catch {
      throw new ApiError('IO_ERROR', 'The VoiceShift engine is not reachable. Is the app still running?');
    }
    if (!response.ok) throw new ApiError('IO_ERROR', await response.text());
    return unwrap(decodeMessage(new Uint8Array(await response.arrayBuffer())) as Envelope<unknown>);
  };
  // Every property is a call; the server rejects names that are not in the contract.
  return new Proxy({} as VoiceApi, {
    get: (_target, name) => (typeof name === 'string' ? (args?: unknown) => call(name as CallName, args) : undefined),
  });
}
