// The event channel of web mode (/api/events): the upgrade passes the same Host, Origin and token
// checks as every call (the URL token is refused, as for calls), events reach every connected client
// as JSON text frames, a client that stops reading is disconnected rather than buffered without
// bound, and protocol breaches (unmasked or oversized frames) close the connection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../api/event-hub.js';
import { forwardingTable } from '../api/rpc.js';
import type { VoiceEvent } from '../api/types.js';
import { startWebServer, TOKEN_HEADER, type WebServer } from './web-server.js';
import { encodeFrame, OPCODE } from './websocket.js';
import { openTestSocket, type TestSocket } from './ws-test-client.js';

let server: WebServer;
let staticDir: string;
const hub = new EventHub();

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-events-'));
  // No call reaches an engine in these tests: the event route is what is under test.
  const handlers = forwardingTable(async () => ({ ok: false, error: { code: 'INTERNAL', message: 'unused' } }));
  server = await startWebServer({ handlers, events: hub, staticDir, maxEventBacklogBytes: 256 * 1024 });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

const auth = (): Record<string, string> => ({ [TOKEN_HEADER]: server.token });
const jobEvent = (n: number): VoiceEvent => ({ type: 'job', job: { jobId: `job-${n}`, state: 'running', progress: n / 100, stage: 'vocoder' }, at: 0 });

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function connect(headers: Record<string, string> = auth()): Promise<TestSocket> {
  const r = await openTestSocket(server.port, '/api/events', headers);
  if (r.status !== 101) throw new Error(`upgrade refused: ${r.status}`);
  return (r as { socket: TestSocket }).socket;
}

describe('web mode event channel: admission', () => {
  it('refuses a missing, wrong or URL token, a foreign Origin and a forged Host, like every call', async () => {
    expect((await openTestSocket(server.port, '/api/events', {})).status).toBe(401);
    expect((await openTestSocket(server.port, '/api/events', { [TOKEN_HEADER]: 'nope' })).status).toBe(401);
    expect((await openTestSocket(server.port, `/api/events?token=${server.token}`, {})).status).toBe(401);
    expect((await openTestSocket(server.port, '/api/events', { ...auth(), origin: 'http://evil.example' })).status).toBe(403);
    expect((await openTestSocket(server.port, '/api/events', { ...auth(), origin: 'null' })).status).toBe(403);
    expect((await openTestSocket(server.port, '/api/events', { ...auth(), host: 'evil.example' })).status).toBe(421);
    expect((await openTestSocket(server.port, '/api/events', { ...auth(), host: `127.0.0.1:${server.port + 1}` })).status).toBe(421);
    expect(server.eventClients).toBe(0);
  });

  it('opens with the cookie the page got, or the header, from the page origin', async () => {
    const a = await connect({ cookie: `voiceshift_token=${server.token}`, origin: server.origin });
    const b = await connect();
    expect(server.eventClients).toBe(2);
    a.close();
    b.close();
  });

  it('answers other upgrade paths 404, a plain GET 426, a bad handshake 426/400', async () => {
    expect((await openTestSocket(server.port, '/api/version', auth())).status).toBe(404);
    expect((await openTestSocket(server.port, '/index.html', auth())).status).toBe(404);
    expect((await openTestSocket(server.port, '/api/events', { ...auth(), 'sec-websocket-version': '8' })).status).toBe(426);
    expect((await openTestSocket(server.port, '/api/events', { ...auth(), 'sec-websocket-key': 'short' })).status).toBe(400);
    const plain = await fetch(`${server.origin}/api/events`, { headers: auth() });
    expect(plain.status).toBe(426);
  });

  it('answers the ping route itself, with the token only', async () => {
    expect((await fetch(`${server.origin}/api/ping`, { method: 'POST' })).status).toBe(401);
    const r = await fetch(`${server.origin}/api/ping`, { method: 'POST', headers: auth() });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('pong');
  });
});

describe('web mode event channel: delivery', () => {
  it('pushes every event to every client, in order, as JSON text', async () => {
    const a = await connect();
    const b = await connect();
    for (let i = 0; i < 50; i++) hub.emit(jobEvent(i));
    await a.next((m) => (m as VoiceEvent & { type: 'job' }).job?.jobId === 'job-49');
    await b.next((m) => (m as VoiceEvent & { type: 'job' }).job?.jobId === 'job-49');
    expect(a.messages.map((m) => (m as { job: { jobId: string } }).job.jobId)).toEqual(Array.from({ length: 50 }, (_, i) => `job-${i}`));
    expect(b.messages).toEqual(a.messages);
    a.close();
    b.close();
  });

  it('unsubscribes a client when it goes away', async () => {
    await until(() => server.eventClients === 0);
    expect(hub.size).toBe(0);
    const a = await connect();
    expect(hub.size).toBe(1);
    a.close();
    await until(() => server.eventClients === 0);
    expect(hub.size).toBe(0);
  });

  it('closes a client that leaves too much unread instead of buffering without bound; others keep receiving', async () => {
    const slow = await connect();
    const fast = await connect();
    slow.pause();
    // 60 kB events: the kernel's socket buffers fill first, then the server's queue passes 256 KiB.
    const big: VoiceEvent = { type: 'engine', state: 'restarted', message: 'x'.repeat(60_000), at: 0 };
    for (let i = 0; i < 400 && server.eventClients > 1; i++) {
      hub.emit(big);
      await new Promise((r) => setImmediate(r));
    }
    expect(server.eventClients).toBe(1);
    hub.emit(jobEvent(7));
    await fast.next((m) => (m as { job?: { jobId: string } }).job?.jobId === 'job-7');
    slow.close();
    fast.close();
  });

  it('closes the connection on an unmasked client frame (1002) and on an oversized message (1009)', async () => {
    const a = await connect();
    a.sendRaw(encodeFrame(OPCODE.text, Buffer.from('hi')));
    expect(await a.closed).toBe(1002);
    const b = await connect();
    b.sendRaw(encodeFrame(OPCODE.binary, Buffer.alloc(70 * 1024), Buffer.from([1, 2, 3, 4])));
    expect(await b.closed).toBe(1009);
  });
});
