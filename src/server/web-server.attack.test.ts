// Web mode under attack (issue 5): raw HTTP requests a hostile page, a DNS-rebinding site or another
// local process could send. Complements web-server.test.ts (happy path and the basic refusals) with
// the cases fetch() cannot express: raw (unnormalized) paths, forged Host headers, chunked bodies
// over the limit, symlinks out of the static folder, malformed percent-encoding.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../api/handlers.js';
import type { ApiImplementation } from '../api/handlers.js';
import { decodeMessage, encodeMessage } from '../api/wire.js';
import { startWebServer, TOKEN_HEADER, tokenMatches, type WebServer } from './web-server.js';

const LIMIT = 1024 * 1024;
let server: WebServer;
let staticDir: string;
let outsideDir: string;
let calls = 0;

// A stub engine: the transport is under test, not the engine. Every call answers at once.
const impl = new Proxy({} as ApiImplementation, {
  get: () => async () => {
    calls++;
    return { fine: true };
  },
});

beforeAll(async () => {
  outsideDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-outside-'));
  fs.writeFileSync(path.join(outsideDir, 'secret.txt'), 'SECRET');
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<h1>VoiceShift</h1>');
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  // Links that point out of the served folder: a file, a folder.
  fs.symlinkSync(path.join(outsideDir, 'secret.txt'), path.join(staticDir, 'link.txt'));
  fs.symlinkSync(outsideDir, path.join(staticDir, 'linkdir'));
  server = await startWebServer({ handlers: createHandlerTable(impl), staticDir, maxBodyBytes: LIMIT });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(staticDir, { recursive: true, force: true });
  fs.rmSync(outsideDir, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One raw HTTP request: the path and headers go out exactly as given (no URL normalization). */
function raw(opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer | (() => AsyncIterable<Buffer>); setHost?: boolean }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: `127.0.0.1:${server.port}`, ...opts.headers },
        setHost: opts.setHost ?? true,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (typeof opts.body === 'function') {
      void (async () => {
        try {
          for await (const chunk of (opts.body as () => AsyncIterable<Buffer>)()) {
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          }
          req.end();
        } catch {
          // the server may close the connection once it has refused the body
        }
      })();
    } else {
      req.end(opts.body);
    }
  });
}

/** A request written byte for byte on a socket (for headers http.request would fix up). */
function rawSocket(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
    sock.end(text);
  });
}

const auth = () => ({ [TOKEN_HEADER]: server.token });
const cookieAuth = () => ({ cookie: `voiceshift_token=${server.token}` });

describe('web mode: network exposure', () => {
  it('listens on 127.0.0.1 only: no other interface address accepts a connection', async () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i): i is os.NetworkInterfaceInfo => !!i && !i.internal && i.family === 'IPv4')
      .map((i) => i.address);
    for (const address of others) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(server.port, address);
        s.setTimeout(1000, () => (s.destroy(), resolve(true)));
        s.on('connect', () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      expect(refused, `port open on ${address}`).toBe(true);
    }
    // IPv6 loopback is not bound either.
    const v6 = await new Promise<boolean>((resolve) => {
      const s = net.connect(server.port, '::1');
      s.on('connect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    expect(v6).toBe(true);
  });
});

describe('web mode: Host and Origin (DNS rebinding, cross-site requests)', () => {
  it.each([
    'evil.example',
    `evil.example:${0}`,
    '127.0.0.1.evil.example',
    '127.0.0.1',
    'localhost',
    '127.0.0.1:1',
    '[::1]',
    `127.0.0.2`,
  ])('refuses Host %j even with the token (421)', async (host) => {
    const h = host.endsWith(':0') ? host.replace(':0', `:${server.port}`) : host;
    const r = await raw({ method: 'POST', path: '/api/version', headers: { ...auth(), host: h } });
    expect(r.status).toBe(421);
  });

  it('refuses a request without any Host header', async () => {
    const text = await rawSocket(`GET /?token=${server.token} HTTP/1.0\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.[01] (400|421)/);
  });

  it('accepts the two loopback names it announces', async () => {
    expect((await raw({ method: 'POST', path: '/api/version', headers: auth() })).status).toBe(200);
    expect((await raw({ method: 'POST', path: '/api/version', headers: { ...auth(), host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it.each(['null', 'http://evil.example', 'http://127.0.0.1:1', 'https://127.0.0.1:PORT', 'http://127.0.0.1:PORT.evil', 'http://localhost.evil:PORT', 'file://', 'http://127.0.0.1:PORT/'])(
    'refuses Origin %j even with the token (403)',
    async (origin) => {
      const r = await raw({ method: 'POST', path: '/api/version', headers: { ...auth(), origin: origin.replace('PORT', String(server.port)) } });
      expect(r.status).toBe(403);
    },
  );

  it('never sends CORS headers, so no foreign page can read a response', async () => {
    const responses = [
      await raw({ method: 'OPTIONS', path: '/api/version', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } }),
      await raw({ method: 'POST', path: '/api/version', headers: auth() }),
      await raw({ path: `/?token=${server.token}` }),
    ];
    for (const r of responses) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
    expect(responses[0].status).not.toBe(200);
  });
});

describe('web mode: the token', () => {
  it('is required on every route, static files included', async () => {
    const before = calls;
    for (const p of ['/', '/index.html', '/assets/app.js', '/api/version', '/nope']) {
      const r = await raw({ method: p.startsWith('/api/') ? 'POST' : 'GET', path: p });
      expect(r.status, p).toBe(401);
      expect(r.body.toString()).not.toContain('VoiceShift</h1>');
    }
    expect(calls).toBe(before);
  });

  it('refuses near misses: prefix, extension, case change, padding, empty, duplicated header, wrong cookie', async () => {
    const t = server.token;
    const bad = [t.slice(0, -1), `${t}0`, t.toUpperCase(), ` ${t}x`, '', `${t},${t}`, 'x'.repeat(t.length), t.slice(0, 32)];
    for (const b of bad) {
      const r = await raw({ method: 'POST', path: '/api/version', headers: { [TOKEN_HEADER]: b } });
      expect(r.status, JSON.stringify(b)).toBe(401);
    }
    for (const cookie of [`voiceshift_token=${t.slice(1)}`, `voiceshift_token_x=${t}`, `other=${t}`]) {
      expect((await raw({ method: 'POST', path: '/api/version', headers: { cookie } })).status, cookie).toBe(401);
    }
  });

  it('is accepted in the URL only to load pages (GET), never for API calls', async () => {
    const r = await raw({ method: 'POST', path: `/api/version?token=${server.token}` });
    expect(r.status).toBe(401);
    const page = await raw({ path: `/?token=${server.token}` });
    expect(page.status).toBe(200);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it('is compared in constant time: equal-length buffers through crypto.timingSafeEqual', () => {
    // The comparison is timingSafeEqual over a buffer padded to the expected length, and the length
    // check comes after it, so neither the content nor the length of the secret leaks through timing.
    const src = tokenMatches.toString();
    expect(src).toMatch(/timingSafeEqual\)?\(padded, b\)/);
    expect(src.indexOf('timingSafeEqual')).toBeLessThan(src.indexOf('a.length === b.length'));
    expect(src).not.toMatch(/presented\s*===\s*expected|===\s*presented/);
    expect(tokenMatches(server.token, server.token)).toBe(true);
    expect(tokenMatches(server.token + '\0', server.token)).toBe(false);
    expect(tokenMatches(server.token.slice(0, -1) + '\0', server.token)).toBe(false);
    expect(tokenMatches(['a', 'b'], server.token)).toBe(false);
    // 256 bits of randomness, hex.
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('web mode: request bodies', () => {
  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const text = await rawSocket(
      `POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${TOKEN_HEADER}: ${server.token}\r\nContent-Length: ${LIMIT * 1000}\r\nConnection: close\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 413/);
  });

  it('refuses a chunked (undeclared) body once it streams past the limit, and memory stays flat', async () => {
    const before = process.memoryUsage().rss;
    const chunk = Buffer.alloc(64 * 1024, 7);
    async function* body(): AsyncIterable<Buffer> {
      for (let i = 0; i < (96 * 1024 * 1024) / chunk.length; i++) yield chunk; // 96 MiB against a 1 MiB limit
    }
    const r = await raw({ method: 'POST', path: '/api/analyze', headers: { ...auth(), 'transfer-encoding': 'chunked' }, body: body });
    expect(r.status).toBe(413);
    // The server drops what is over the limit instead of buffering it: a buffering server would hold all
    // 96 MiB. RSS also counts the test's own client and freed-but-kept allocator pages (measured 20-51 MB
    // here, depending on load), so the bound is two thirds of the body.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a body of exactly limit + 1 bytes and accepts the limit itself', async () => {
    const over = await raw({ method: 'POST', path: '/api/analyze', headers: auth(), body: Buffer.alloc(LIMIT + 1) });
    expect(over.status).toBe(413);
    const at = await raw({ method: 'POST', path: '/api/analyze', headers: auth(), body: Buffer.alloc(LIMIT) });
    expect(at.status).toBe(400); // within the limit, but not a wire message
  });

  it('answers malformed wire messages with 400 and a plain reason, never 500', async () => {
    const good = Buffer.from(encodeMessage({ jobId: 'job-1' }));
    const cases: Buffer[] = [
      Buffer.from('VSW1'),
      Buffer.concat([good.subarray(0, 4), Buffer.from([0xff, 0xff, 0xff, 0x7f]), good.subarray(8)]), // json length past the end
      Buffer.concat([good.subarray(0, 8), Buffer.from('{"jobId":'.padEnd(good.length - 8, ' '))]),
      Buffer.from(encodeMessage({ a: { $bin: 'f32', o: -8, n: 4 } })),
      Buffer.from(encodeMessage({ a: { $bin: 'f32', o: 0, n: 1e12 } })),
      Buffer.from(encodeMessage({ a: { $bin: 'f64', o: 0, n: 0 } })),
      Buffer.from(encodeMessage({ a: { $bin: 'f32', o: 0, n: 3 } })),
    ];
    // invalid UTF-8 inside the JSON
    const bad = Buffer.from(good);
    bad[9] = 0xc3;
    bad[10] = 0x28;
    cases.push(bad);
    for (const [i, body] of cases.entries()) {
      const r = await raw({ method: 'POST', path: '/api/getJob', headers: auth(), body });
      expect(r.status, `case ${i}: ${r.body.toString()}`).toBe(400);
      expect(r.body.toString()).toMatch(/^Malformed message|Unexpected|JSON|encoded|decode/i);
    }
  });

  it('refuses blob references that overlap (a small body must not decode into gigabytes of copies)', async () => {
    // One 512 KiB blob referenced 400 times would decode to 200 MiB; 2,000 times to 1 GiB.
    const msg = Buffer.from(encodeMessage({ a: new Uint8Array(512 * 1024) }));
    const jsonLength = msg.readUInt32LE(4);
    const refs = Array.from({ length: 400 }, () => ({ $bin: 'u8', o: 0, n: 512 * 1024 }));
    const json = Buffer.from(JSON.stringify({ a: refs }));
    const head = (8 + json.length + 7) & ~7;
    const body = Buffer.alloc(head + 512 * 1024);
    body.writeUInt32LE(msg.readUInt32LE(0), 0);
    body.writeUInt32LE(json.length, 4);
    json.copy(body, 8);
    msg.copy(body, head, (8 + jsonLength + 7) & ~7);
    const before = process.memoryUsage().arrayBuffers;
    const r = await raw({ method: 'POST', path: '/api/analyze', headers: auth(), body });
    expect(r.status).toBe(400);
    expect(r.body.toString()).toMatch(/overlap/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('turns wrong argument types into an INVALID_ARGUMENT envelope, not a transport error', async () => {
    const r = await raw({ method: 'POST', path: '/api/getJob', headers: auth(), body: Buffer.from(encodeMessage({ jobId: { toString: 1 } })) });
    expect(r.status).toBe(200);
    expect(decodeMessage(new Uint8Array(r.body))).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const proto = await raw({ method: 'POST', path: '/api/getJob', headers: auth(), body: Buffer.from(encodeMessage(JSON.parse('{"__proto__":{"jobId":"job-1"}}'))) });
    expect(decodeMessage(new Uint8Array(proto.body))).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('offers only POST on /api and only GET/HEAD for files', async () => {
    expect((await raw({ path: '/api/version', headers: auth() })).status).toBe(405);
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      expect((await raw({ method, path: '/index.html', headers: auth() })).status, method).toBe(405);
    }
    expect((await raw({ method: 'POST', path: '/api/constructor', headers: auth() })).status).toBe(404);
    expect((await raw({ method: 'POST', path: '/api/__proto__', headers: auth() })).status).toBe(404);
    expect((await raw({ method: 'POST', path: '/api/version/../listVoices', headers: auth() })).status).not.toBe(500);
  });
});

describe('web mode: static files stay inside the renderer folder', () => {
  const outsideName = () => path.basename(outsideDir);
  const traversals = () => [
    '/../' + outsideName() + '/secret.txt',
    '/..%2f' + outsideName() + '%2fsecret.txt',
    '/%2e%2e/' + outsideName() + '/secret.txt',
    '/%2e%2e%2f' + outsideName() + '%2fsecret.txt',
    '/%252e%252e%252f' + outsideName() + '%252fsecret.txt',
    '/..%5c' + outsideName() + '%5csecret.txt',
    '/..\\' + outsideName() + '\\secret.txt',
    '/assets/..%2f..%2f' + outsideName() + '%2fsecret.txt',
    '//' + outsideDir.slice(1) + '/secret.txt',
    '/%2f' + outsideDir.slice(1) + '%2fsecret.txt',
    encodeURI(outsideDir) + '/secret.txt',
    '/.%2e/' + outsideName() + '/secret.txt',
    '/%2E%2E%2F' + outsideName() + '%2Fsecret.txt',
    '/..%c0%af' + outsideName() + '/secret.txt',
    '/link.txt',
    '/linkdir/secret.txt',
    '/linkdir%2fsecret.txt',
    '/index.html%00.txt',
  ];

  it('serves its own files', async () => {
    const r = await raw({ path: '/assets/app.js', headers: cookieAuth() });
    expect(r.status).toBe(200);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('never serves a file outside the folder (encoded ../, %2e%2e, backslashes, absolute paths, symlinks)', async () => {
    for (const p of traversals()) {
      const r = await raw({ path: p, headers: cookieAuth() });
      expect(r.body.toString(), p).not.toContain('SECRET');
      expect([400, 404], `${p} -> ${r.status}`).toContain(r.status);
    }
  });

  it('answers malformed percent-encoding with 400/404, not a 500', async () => {
    for (const p of ['/%', '/%zz', '/%E0%A4%A', '/assets/%c0']) {
      const r = await raw({ path: p, headers: cookieAuth() });
      expect([400, 404], `${p} -> ${r.status}`).toContain(r.status);
    }
  });

  it('does not list folders', async () => {
    for (const p of ['/assets', '/assets/', '/linkdir/']) {
      expect([403, 404], p).toContain((await raw({ path: p, headers: cookieAuth() })).status);
    }
  });

  it('still works after all of the above', async () => {
    const r = await raw({ method: 'POST', path: '/api/version', headers: auth() });
    expect(r.status).toBe(200);
    expect(decodeMessage(new Uint8Array(r.body))).toMatchObject({ ok: true });
  });
});
