// Test-only: a minimal WebSocket client for Node 20 (which has none built in), used by the event
// channel tests to open /api/events with chosen headers and read what the server pushes. It shares
// the frame codec with the server, masking its own frames as the RFC requires of clients.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { encodeFrame, FrameReader, OPCODE } from './websocket.js';

export interface TestSocket {
  /** Text messages received so far, parsed as JSON, in order. */
  messages: unknown[];
  /** When each message arrived (performance.timeOrigin + now, ms), parallel to `messages`. */
  arrivedAt: number[];
  /** Resolves with the next message for which `pred` holds (already received ones count). */
  next(pred: (m: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /** Sends raw bytes (tests of malformed frames) or a masked text frame. */
  sendRaw(bytes: Buffer): void;
  sendText(text: string): void;
  /** Resolves with the close code once the server closes. */
  closed: Promise<number | null>;
  /** Stops reading from the socket (a client that does not keep up). */
  pause(): void;
  close(): void;
}

/** Result of an upgrade attempt: the socket, or the HTTP status the server answered instead. */
export type UpgradeResult = { status: 101; socket: TestSocket } | { status: number; body: string };

/** Opens ws://host:port`path` with the given headers. */
export function openTestSocket(port: number, path: string, headers: Record<string, string>): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        host: `127.0.0.1:${port}`,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => resolve({ status: 101, socket: wrap(socket, head) }));
    req.on('error', reject);
    req.end();
  });
}

function wrap(socket: Socket, head: Buffer): TestSocket {
  socket.setNoDelay(true);
  const reader = new FrameReader({ requireMask: false, maxPayload: 64 * 1024 * 1024 });
  const messages: unknown[] = [];
  const arrivedAt: number[] = [];
  const waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  let resolveClosed!: (code: number | null) => void;
  const closed = new Promise<number | null>((r) => (resolveClosed = r));
  const onData = (chunk: Buffer): void => {
    for (const f of reader.push(chunk)) {
      if (f.opcode === OPCODE.close) {
        resolveClosed(f.payload.length >= 2 ? Buffer.from(f.payload).readUInt16BE(0) : null);
        continue;
      }
      if (f.opcode !== OPCODE.text) continue;
      const m = JSON.parse(Buffer.from(f.payload).toString('utf8')) as unknown;
      messages.push(m);
      arrivedAt.push(performance.timeOrigin + performance.now());
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  };
  socket.on('data', onData);
  socket.on('close', () => resolveClosed(null));
  if (head.length > 0) onData(head);
  return {
    messages,
    arrivedAt,
    next: (pred, timeoutMs = 30_000) => {
      const seen = messages.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such message in time')), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    sendRaw: (bytes) => void socket.write(bytes),
    sendText: (text) => void socket.write(encodeFrame(OPCODE.text, Buffer.from(text), randomBytes(4))),
    closed,
    pause: () => void socket.pause(),
    close: () => socket.destroy(),
  };
}
