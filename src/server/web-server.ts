// Web mode: the second transport over the same handler table. Serves the built renderer and the API
// on loopback only, guarded by a per-launch random token (header or cookie, compared in constant
// time), an Origin and Host check against DNS rebinding and cross-site requests, and body limits.
// Pushed events (job progress and ends, engine restarts) go out over a WebSocket at /api/events that
// passes the same checks; `POST /api/ping` is answered here without the engine (a liveness probe).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { CONTENT_SECURITY_POLICY } from '../api/csp.js';
import { isCallName, type HandlerTable } from '../api/handlers.js';
import type { VoiceEvents } from '../api/types.js';
import { EXPORT_FORMATS } from '../api/types.js';
import { decodeMessage, encodeMessage } from '../api/wire.js';
import { acceptWebSocket, rejectUpgrade, type WebSocketConnection } from './websocket.js';
import { LIVE_PATH } from '../api/types.js';
import type { LiveBackend } from './live-backend.js';
import { attachLiveSocket } from './live-socket.js';

export interface WebServerOptions {
  /** The handler table to serve. */
  handlers: HandlerTable;
  /** Directory with the built renderer (index.html and assets). */
  staticDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. Default 0. */
  port?: number;
  /** Token to require; default 32 random bytes, hex. */
  token?: string;
  /** Largest request body accepted, bytes. Default 512 MiB (an hour of 16 kHz stereo float audio fits). */
  maxBodyBytes?: number;
  /** Pushed events, served at /api/events over a WebSocket. Without it that route answers 404. */
  events?: VoiceEvents;
  /**
   * Bytes of events a client may leave unread before it is disconnected (it resyncs with getJob when
   * it reconnects). Default 4 MiB.
   */
  maxEventBacklogBytes?: number;
  /** Live sessions, served at /api/live over a WebSocket (same checks as /api/events). Without it that route answers 404. */
  live?: LiveBackend;
}

export interface WebServer {
  url: string;
  origin: string;
  token: string;
  port: number;
  /** Open event connections. */
  readonly eventClients: number;
  close(): Promise<void>;
}

/** The path of the event WebSocket. */
export const EVENTS_PATH = '/api/events';
/** The path of the liveness probe, answered without the engine. */
export const PING_PATH = '/api/ping';

export const TOKEN_HEADER = 'x-voiceshift-token';
const COOKIE = 'voiceshift_token';
const HOST = '127.0.0.1';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  // Audio files (the demo clip, voice previews) with the export table's types.
  ...Object.fromEntries(Object.values(EXPORT_FORMATS).map((f) => [`.${f.extension}`, f.mime])),
};


/** Starts the server on 127.0.0.1 and resolves once it listens. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const maxBody = options.maxBodyBytes ?? 512 * 1024 * 1024;
  const staticRoot = path.resolve(options.staticDir);
  let realStaticRoot = staticRoot;
  try {
    realStaticRoot = fs.realpathSync(staticRoot);
  } catch {
    // a missing folder serves nothing (every file answers 404)
  }
  let origin = '';
  let hostHeader = '';
  let localhostHeader = '';

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal error.');
      else res.destroy();
    });
  });

  /**
   * The checks every request passes, page, call or event upgrade alike: Host, Origin, then the token
   * (header or cookie; in the URL only for `GET` pages, never for /api).
   */
  function admit(req: http.IncomingMessage): { status: number; message: string } | { url: URL; queryToken: string | null } {
    const host = req.headers.host ?? '';
    if (host !== hostHeader && host !== localhostHeader) return { status: 421, message: 'Unknown host.' };
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && reqOrigin !== origin && reqOrigin !== `http://${localhostHeader}`) {
      return { status: 403, message: 'Requests from another origin are refused.' };
    }
    const url = new URL(req.url ?? '/', origin);
    const queryToken = url.searchParams.get('token');
    const authorized = tokenMatches(req.headers[TOKEN_HEADER], token) ||
      tokenMatches(readCookie(req.headers.cookie, COOKIE), token) ||
      (req.method === 'GET' && !url.pathname.startsWith('/api/') && tokenMatches(queryToken ?? undefined, token));
    if (!authorized) return { status: 401, message: 'Missing or wrong token. Open the URL printed at launch.' };
    return { url, queryToken };
  }

  const eventClients = new Set<WebSocketConnection>();
  const liveClients = new Set<WebSocketConnection>();
  const maxBacklog = options.maxEventBacklogBytes ?? 4 * 1024 * 1024;

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const admitted = admit(req);
    if ('status' in admitted) return rejectUpgrade(socket, admitted.status, admitted.message);
    if (admitted.url.pathname === LIVE_PATH && options.live) {
      if (req.method !== 'GET') return rejectUpgrade(socket, 400, 'Use GET to open the live channel.');
      // Small queues: a live connection that falls behind drops audio blocks instead of buffering them.
      const live = acceptWebSocket(req, socket, head, { highWaterBytes: 32 * 1024, maxMessageBytes: 70 * 1024 });
      if (!live) return;
      liveClients.add(live);
      attachLiveSocket(live, options.live);
      live.onClose(() => liveClients.delete(live));
      return;
    }
    if (admitted.url.pathname !== EVENTS_PATH || !options.events) return rejectUpgrade(socket, 404, 'Not found.');
    if (req.method !== 'GET') return rejectUpgrade(socket, 400, 'Use GET to open the event channel.');
    const conn = acceptWebSocket(req, socket, head, { highWaterBytes: maxBacklog });
    if (!conn) return;
    eventClients.add(conn);
    const unsubscribe = options.events.subscribe((event) => {
      // Events are never dropped one by one (a lost 'done' would strand the UI): a client that stops
      // reading is disconnected instead, and resyncs with getJob when it reconnects.
      if (!conn.send(JSON.stringify(event))) conn.close(1008, 'event backlog too large');
    });
    conn.onClose(() => {
      unsubscribe();
      eventClients.delete(conn);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const admitted = admit(req);
    if ('status' in admitted) return sendText(res, admitted.status, admitted.message);
    const { url, queryToken } = admitted;

    if (url.pathname === EVENTS_PATH) {
      return sendText(res, options.events ? 426 : 404, options.events ? 'Open this path as a WebSocket.' : 'Not found.');
    }
    if (url.pathname === PING_PATH) {
      if (req.method !== 'POST') return sendText(res, 405, 'Use POST for API calls.');
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end('pong');
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendText(res, 405, 'Use POST for API calls.');
      const name = url.pathname.slice('/api/'.length);
      if (!isCallName(name)) return sendText(res, 404, 'No such call.');
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBody) {
        req.resume();
        return sendText(res, 413, `Request too large: at most ${maxBody} bytes.`);
      }
      const body = await readBody(req, maxBody);
      if (body === 'too-large') return sendText(res, 413, `Request too large: at most ${maxBody} bytes.`);
      let args: unknown;
      try {
        args = body.byteLength === 0 ? undefined : decodeMessage(body);
      } catch (err) {
        return sendText(res, 400, (err as Error).message);
      }
      const envelope = await options.handlers[name](args, { transport: 'web' });
      const out = encodeMessage(envelope);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': out.byteLength,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(out);
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed.');
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      return sendText(res, 400, 'Malformed path.');
    }
    let file = path.resolve(staticRoot, rel);
    if (file !== staticRoot && !file.startsWith(staticRoot + path.sep)) return sendText(res, 404, 'Not found.');
    let stat: fs.Stats;
    try {
      // Follow symlinks before the containment check, so a link cannot lead out of the folder.
      file = fs.realpathSync(file);
      if (!file.startsWith(realStaticRoot + path.sep)) return sendText(res, 404, 'Not found.');
      stat = fs.statSync(file);
    } catch {
      return sendText(res, 404, 'Not found.');
    }
    if (!stat.isFile()) return sendText(res, 404, 'Not found.');
    const headers: http.OutgoingHttpHeaders = {
      'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': stat.size,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    };
    if (queryToken !== null) {
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    // Without an error listener a file that vanishes or cannot be opened after the stat (a rebuild of
    // dist/, permissions) would throw an uncaught 'error' and stop the whole server.
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${HOST}:${port}`;
  hostHeader = `${HOST}:${port}`;
  localhostHeader = `localhost:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    get eventClients() {
      return eventClients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Upgraded sockets are not among the server's connections: close them here.
        for (const conn of [...eventClients, ...liveClients]) conn.dispose();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  // Compare equal-length buffers so the timing does not reveal the expected length either.
  const padded = Buffer.alloc(b.length);
  a.copy(padded, 0, 0, Math.min(a.length, b.length));
  return timingSafeEqual(padded, b) && a.length === b.length;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function sendText(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(message);
}
