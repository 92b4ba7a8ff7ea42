// A small RFC 6455 WebSocket for web mode's event channel (Node 20 has no server of its own, and one
// socket type is all we need): the handshake, framing both ways, ping/pong, close, and limits.
// Text frames carry JSON events today; binary frames are supported in both directions so live audio
// can share the connection next (see the README's architecture section for the frame layout and
// back-pressure rule). Authentication (token, Host, Origin) happens in web-server.ts before accept.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One complete frame as parsed off the wire. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** Encodes one frame; `mask` (client to server) is required of clients by the RFC. */
export function encodeFrame(opcode: number, payload: Uint8Array, mask?: Uint8Array): Buffer {
  const n = payload.byteLength;
  const lenBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0));
  head[0] = 0x80 | opcode;
  head[1] = (mask ? 0x80 : 0) | (lenBytes === 0 ? n : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) head.writeUInt16BE(n, 2);
  else if (lenBytes === 8) head.writeBigUInt64BE(BigInt(n), 2);
  if (!mask) return Buffer.concat([head, payload]);
  head.set(mask, 2 + lenBytes);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, body]);
}

/**
 * Incremental frame parser. Throws a FrameError (with the close code to send) on a protocol breach:
 * a frame over `maxPayload`, an unmasked client frame, a bad control frame.
 */
export class FrameReader {
  private buffered: Buffer[] = [];

  constructor(private readonly opts: { requireMask: boolean; maxPayload: number }) {}

  /** Feeds bytes; returns the frames completed by them. */
  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    const frames: Frame[] = [];
    for (;;) {
      const buf = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
      this.buffered = [buf];
      if (buf.length < 2) break;
      const fin = (buf[0] & 0x80) !== 0;
      if ((buf[0] & 0x70) !== 0) throw new FrameError(1002, 'Reserved bits set.');
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      if (this.opts.requireMask && !masked) throw new FrameError(1002, 'Client frames must be masked.');
      let len = buf[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(this.opts.maxPayload)) throw new FrameError(1009, 'Frame too large.');
        len = Number(big);
        at = 10;
      }
      if (opcode >= 0x8 && (len > 125 || !fin)) throw new FrameError(1002, 'Bad control frame.');
      if (len > this.opts.maxPayload) throw new FrameError(1009, 'Frame too large.');
      const maskAt = at;
      if (masked) at += 4;
      if (buf.length < at + len) break;
      const payload = Buffer.from(buf.subarray(at, at + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buf[maskAt + (i & 3)];
      frames.push({ fin, opcode, payload });
      const rest = buf.subarray(at + len);
      this.buffered = rest.length > 0 ? [rest] : [];
      if (rest.length === 0) break;
    }
    return frames;
  }
}

/**
 * A protocol breach, with the close code to answer it. Module-private on purpose: it is not an API
 * failure (no ApiErrorCode fits a WebSocket close code) and it never reaches a caller of the API: the
 * connection below catches it and answers with the close frame. Outside this file (the test client's
 * own FrameReader) it is only ever a plain Error.
 */
class FrameError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message);
  }
}

export interface WebSocketOptions {
  /** Largest message accepted from the client, bytes. Default 64 KiB (live audio blocks are far smaller). */
  maxMessageBytes?: number;
  /** Bytes the server may have queued toward a client before send() reports back-pressure. Default 1 MiB. */
  highWaterBytes?: number;
}

/** One accepted connection, server side. */
export class WebSocketConnection {
  private readonly reader: FrameReader;
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;
  private closed = false;
  private readonly messageListeners = new Set<(data: string | Uint8Array) => void>();
  private readonly closeListeners = new Set<() => void>();
  private readonly maxMessage: number;
  private readonly highWater: number;

  constructor(private readonly socket: Duplex, options: WebSocketOptions = {}) {
    this.maxMessage = options.maxMessageBytes ?? 64 * 1024;
    this.highWater = options.highWaterBytes ?? 1024 * 1024;
    this.reader = new FrameReader({ requireMask: true, maxPayload: this.maxMessage });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
    // The HTTP server's sockets allow half-open connections: a client that hangs up only sends 'end'.
    socket.on('end', () => {
      this.finish();
      socket.end();
    });
  }

  /** Bytes queued toward the client and not yet handed to the OS (the server's bufferedAmount). */
  get bufferedBytes(): number {
    return (this.socket as unknown as { writableLength?: number }).writableLength ?? 0;
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return !this.closed;
  }

  /**
   * Sends a text (string) or binary (bytes) message.
   * @returns false when the connection is closed or more than highWaterBytes are queued: the caller
   *   decides whether to drop (live audio) or disconnect (events); the message was queued regardless
   *   unless the connection is closed
   */
  send(data: string | Uint8Array): boolean {
    if (this.closed) return false;
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.socket.write(encodeFrame(typeof data === 'string' ? OPCODE.text : OPCODE.binary, payload));
    return this.bufferedBytes <= this.highWater;
  }

  /** Calls `listener` for every complete message from the client. */
  onMessage(listener: (data: string | Uint8Array) => void): () => void {
    this.messageListeners.add(listener);
    return () => void this.messageListeners.delete(listener);
  }

  /** Calls `listener` once when the connection ends, however it ends. */
  onClose(listener: () => void): () => void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
    return () => void this.closeListeners.delete(listener);
  }

  /** Sends a close frame and ends the socket. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.socket.end(encodeFrame(OPCODE.close, body));
    this.finish();
    // A peer that does not read never receives the close frame queued behind its backlog: drop it.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  /** Closes the connection (same as close(1001): the server is going away). */
  dispose(): void {
    this.close(1001, 'server closing');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.close(err instanceof FrameError ? err.closeCode : 1002, 'protocol error');
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      if (f.opcode === OPCODE.ping) this.socket.write(encodeFrame(OPCODE.pong, f.payload));
      else if (f.opcode === OPCODE.pong) continue;
      else if (f.opcode === OPCODE.close) this.close(1000);
      else this.onDataFrame(f);
    }
  }

  private onDataFrame(f: Frame): void {
    if (f.opcode !== OPCODE.continuation) {
      if (this.fragments.length > 0) return this.close(1002, 'protocol error');
      if (f.opcode !== OPCODE.text && f.opcode !== OPCODE.binary) return this.close(1003, 'unsupported data');
      this.fragmentOpcode = f.opcode;
    } else if (this.fragments.length === 0) {
      return this.close(1002, 'protocol error');
    }
    this.fragmentBytes += f.payload.length;
    if (this.fragmentBytes > this.maxMessage) return this.close(1009, 'message too large');
    this.fragments.push(Buffer.from(f.payload));
    if (!f.fin) return;
    const whole = Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentBytes = 0;
    let data: string | Uint8Array;
    if (this.fragmentOpcode === OPCODE.text) {
      try {
        data = new TextDecoder('utf-8', { fatal: true }).decode(whole);
      } catch {
        return this.close(1007, 'invalid utf-8');
      }
    } else {
      data = new Uint8Array(whole);
    }
    for (const l of [...this.messageListeners]) l(data);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.closeListeners]) l();
    this.closeListeners.clear();
    this.messageListeners.clear();
  }
}

/**
 * Completes the opening handshake of an already authenticated upgrade request.
 * @returns the connection, or null after answering 400/426 for a request that is not a valid WebSocket handshake
 */
export function acceptWebSocket(req: http.IncomingMessage, socket: Duplex, head: Buffer, options?: WebSocketOptions): WebSocketConnection | null {
  const key = req.headers['sec-websocket-key'];
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade !== 'websocket' || req.headers['sec-websocket-version'] !== '13') {
    rejectUpgrade(socket, 426, 'Upgrade to a version 13 WebSocket.');
    return null;
  }
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) {
    rejectUpgrade(socket, 400, 'Bad WebSocket key.');
    return null;
  }
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  (socket as unknown as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
  // Bytes that arrived with the handshake go back first, so the connection's reader sees them.
  if (head.length > 0) socket.unshift(head);
  return new WebSocketConnection(socket, options);
}

/** Answers an upgrade request with a plain HTTP error and ends the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request', 426: 'Upgrade Required' }[status] ?? 'Error';
  const body = Buffer.from(message, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
      `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${message}`,
  );
}
