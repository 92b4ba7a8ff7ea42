// The web-mode transport on the renderer side: each VoiceApi call is a POST to /api/<call> carrying
// the shared wire format, authenticated by the per-launch token (cookie set when the page loaded,
// and the header when the token is in the URL).
import type { Envelope } from '../src/api/handlers';
import type { CallName, VoiceApi } from '../src/api/types';
import { decodeMessage, encodeMessage } from '../src/api/wire';

/** An error from the engine, with its machine-readable code. */
export class VoiceApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'VoiceApiError';
  }
}

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
      throw new VoiceApiError('IO_ERROR', 'The VoiceShift engine is not reachable. Is the app still running?');
    }
    if (!response.ok) throw new VoiceApiError('IO_ERROR', await response.text());
    const envelope = decodeMessage(new Uint8Array(await response.arrayBuffer())) as Envelope<unknown>;
    if (envelope.ok) return envelope.result;
    throw new VoiceApiError(envelope.error.code, envelope.error.message);
  };
  // Every property is a call; the server rejects names that are not in the contract.
  return new Proxy({} as VoiceApi, {
    get: (_target, name) => (typeof name === 'string' ? (args?: unknown) => call(name as CallName, args) : undefined),
  });
}
