import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../api/handlers.js';
import { decodeMessage, encodeMessage } from '../api/wire.js';
import { createVoiceService } from '../service.js';
import { startWebServer, tokenMatches, type WebServer } from './web-server.js';

const root = path.resolve(__dirname, '..', '..');
let server: WebServer;
let staticDir: string;

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<h1>VoiceShift</h1>');
  fs.writeFileSync(path.join(os.tmpdir(), 'vs-outside.txt'), 'secret');
  const service = createVoiceService({ root, userDataDir: staticDir });
  server = await startWebServer({ handlers: createHandlerTable(service), staticDir, maxBodyBytes: 1024 * 1024 });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

const api = (name: string, init: RequestInit = {}) =>
  fetch(`${server.origin}/api/${name}`, { method: 'POST', ...init });

describe('web mode', () => {
  it('listens on loopback only', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers a call that carries the token', async () => {
    const res = await api('version', { headers: { 'x-voiceshift-token': server.token } });
    expect(res.status).toBe(200);
    const envelope = decodeMessage(new Uint8Array(await res.arrayBuffer())) as { ok: boolean; result: { app: string } };
    expect(envelope.ok).toBe(true);
    expect(envelope.result.app).toBe('0.1.0');
  });

  it('refuses a missing or wrong token', async () => {
    expect((await api('version')).status).toBe(401);
    expect((await api('version', { headers: { 'x-voiceshift-token': 'nope' } })).status).toBe(401);
    const almost = server.token.slice(0, -1) + (server.token.endsWith('a') ? 'b' : 'a');
    expect((await api('version', { headers: { 'x-voiceshift-token': almost } })).status).toBe(401);
    expect((await fetch(`${server.origin}/`)).status).toBe(401);
  });

  it('refuses a foreign Origin even with the right token', async () => {
    const res = await api('version', { headers: { 'x-voiceshift-token': server.token, origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
  });

  it('refuses oversized bodies and unknown calls', async () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    const res = await api('analyze', { headers: { 'x-voiceshift-token': server.token }, body: big });
    expect(res.status).toBe(413);
    expect((await api('rm -rf', { headers: { 'x-voiceshift-token': server.token } })).status).toBe(404);
  });

  it('rejects malformed bodies and invalid arguments with clear messages', async () => {
    const headers = { 'x-voiceshift-token': server.token };
    const garbage = await api('analyze', { headers, body: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    expect(garbage.status).toBe(400);
    const res = await api('getJob', { headers, body: encodeMessage({ jobId: 7 }) });
    const envelope = decodeMessage(new Uint8Array(await res.arrayBuffer())) as { ok: boolean; error: { code: string } };
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('serves the renderer with a token in the URL, sets a cookie, and blocks traversal', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${server.origin}/index.html`, { headers: { cookie } })).status).toBe(200);
    const traversal = await fetch(`${server.origin}/..%2Fvs-outside.txt`, { headers: { cookie } });
    expect(traversal.status).toBe(404);
  });

  it('compares tokens without depending on their length', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abcd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(undefined, 'abc')).toBe(false);
  });
});
