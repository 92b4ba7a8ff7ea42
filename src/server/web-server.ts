// Web mode: the second transport over the same handler table. Serves the built renderer and the API
// on loopback only, guarded by a per-launch random token (header or cookie, compared in constant
// time), an Origin and Host check against DNS rebinding and cross-site requests, and body limits.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isCallName, type HandlerTable } from '../api/handlers.js';
import { decodeMessage, encodeMessage } from '../api/wire.js';

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
}

export interface WebServer {
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

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
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.woff2': 'font/woff2',
};

/** The renderer's CSP; the same policy the Electron shell sets. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: data:",
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

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

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== hostHeader && host !== localhostHeader) return sendText(res, 421, 'Unknown host.');
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && reqOrigin !== origin && reqOrigin !== `http://${localhostHeader}`) {
      return sendText(res, 403, 'Requests from another origin are refused.');
    }
    const url = new URL(req.url ?? '/', origin);
    const queryToken = url.searchParams.get('token');
    const authorized = tokenMatches(req.headers[TOKEN_HEADER], token) ||
      tokenMatches(readCookie(req.headers.cookie, COOKIE), token) ||
      (req.method === 'GET' && tokenMatches(queryToken ?? undefined, token));
    if (!authorized) return sendText(res, 401, 'Missing or wrong token. Open the URL printed at launch.');

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
    close: () =>
      new Promise<void>((resolve) => {
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
