// Web mode's live channel (/api/live): the upgrade passes the same token, Host and Origin checks as
// /api/events; JSON text frames start and stop the session and bring its statistics; binary frames carry
// microphone blocks in and converted blocks out with their sequence numbers; malformed audio is refused.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardingTable } from '../api/rpc.js';
import { LIVE_PATH } from '../api/types.js';
import { ComputeHistogram } from '../stream/latency.js';
import { decodeAudioFrame, encodeAudioFrame, STREAM_CONVERTED, STREAM_MIC } from '../api/live-frames.js';
import type { LiveConverter } from '../live/session-manager.js';
import { inProcessLiveBackend } from './live-backend.js';
import { startWebServer, TOKEN_HEADER, type WebServer } from './web-server.js';
import { encodeFrame, FrameReader, OPCODE } from './websocket.js';
import { openTestSocket } from './ws-test-client.js';

const B = 1024;
let server: WebServer;
let staticDir: string;
const backend = inProcessLiveBackend(async (): Promise<LiveConverter> => {
  const compute = new ComputeHistogram();
  const stats = { dropped: 0, deadlineMisses: 0, processed: 0, computeAllowanceMs: 64, compute };
  return {
    config: { blockSamples: B, lookaheadSamples: 768, synthesisOverlapSamples: 256, delaySamples: 1024, vocoderKind: 'test' },
    stats,
    async push(x) {
      stats.processed++;
      compute.add(1);
      return x.map((v) => -v);
    },
    dispose() {},
  };
}, { statsEveryMs: 20 });

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-live-'));
  const handlers = forwardingTable(async () => ({ ok: false, error: { code: 'INTERNAL', message: 'unused' } }));
  server = await startWebServer({ handlers, live: backend, staticDir });
});

afterAll(async () => {
  await server.close();
  await backend.dispose();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

/** A client that keeps text (parsed) and binary messages apart. */
function openLive(port: number, headers: Record<string, string>): Promise<{ texts: Record<string, unknown>[]; binaries: Uint8Array[]; sendText(t: string): void; sendBinary(b: Uint8Array): void; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: LIVE_PATH,
      headers: { host: `127.0.0.1:${port}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const reader = new FrameReader({ requireMask: false, maxPayload: 1 << 24 });
      const texts: Record<string, unknown>[] = [];
      const binaries: Uint8Array[] = [];
      const onData = (chunk: Buffer): void => {
        for (const f of reader.push(chunk)) {
          if (f.opcode === OPCODE.text) texts.push(JSON.parse(Buffer.from(f.payload).toString('utf8')));
          else if (f.opcode === OPCODE.binary) binaries.push(new Uint8Array(f.payload));
        }
      };
      socket.on('data', onData);
      if (head.length) onData(head);
      resolve({
        texts, binaries,
        sendText: (t) => void socket.write(encodeFrame(OPCODE.text, Buffer.from(t), randomBytes(4))),
        sendBinary: (b) => void socket.write(encodeFrame(OPCODE.binary, b, randomBytes(4))),
        close: () => socket.destroy(),
      });
    });
    req.on('response', (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the live WebSocket (/api/live)', () => {
  it('passes the same checks as the event channel: no token 401, a foreign Origin 403, a token in the URL 401', async () => {
    expect((await openTestSocket(server.port, LIVE_PATH, {})).status).toBe(401);
    expect((await openTestSocket(server.port, LIVE_PATH, { [TOKEN_HEADER]: server.token, origin: 'http://evil.example' })).status).toBe(403);
    expect((await openTestSocket(server.port, `${LIVE_PATH}?token=${server.token}`, {})).status).toBe(401);
  });

  it('start, microphone blocks in, converted blocks out (same sequence), statistics, stop', async () => {
    const c = await openLive(server.port, { [TOKEN_HEADER]: server.token, origin: server.origin });
    c.sendText(JSON.stringify({ type: 'start', target: { mix: [{ voiceId: 'x', weight: 1 }] }, pitchSemitones: 2 }));
    await until(() => c.texts.some((t) => t.type === 'started'));
    expect(c.texts.find((t) => t.type === 'started')).toMatchObject({ config: { blockSamples: B, blockMs: 64, vocoder: 'test' } });
    // paced like a microphone (a burst would be thinned by the engine's bounded queue, by design)
    for (let k = 0; k < 5; k++) {
      c.sendBinary(encodeAudioFrame({ stream: STREAM_MIC, flags: 0, seq: k, sampleRate: 16000, samples: new Float32Array(B).fill(0.25) }));
      await until(() => c.binaries.length === k + 1);
    }
    const frames = c.binaries.map((b) => decodeAudioFrame(b)!);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(frames.every((f) => f.stream === STREAM_CONVERTED && f.samples.length === B && f.samples[0] === -0.25)).toBe(true);
    await until(() => c.texts.some((t) => t.type === 'stats'));
    c.sendText(JSON.stringify({ type: 'stop' }));
    await until(() => c.texts.some((t) => t.type === 'stopped'));
    expect(c.texts.find((t) => t.type === 'stopped')).toMatchObject({ received: 5, processed: 5, dropped: 0, queueDrops: 0, sendDrops: 0 });
    c.close();
  });

  it('refuses audio at another rate or as JSON, and ends the session when the socket closes', async () => {
    const c = await openLive(server.port, { [TOKEN_HEADER]: server.token });
    c.sendText(JSON.stringify({ type: 'start', target: { mix: [{ voiceId: 'x', weight: 1 }] } }));
    await until(() => c.texts.some((t) => t.type === 'started'));
    c.sendBinary(encodeAudioFrame({ stream: STREAM_MIC, flags: 0, seq: 0, sampleRate: 48000, samples: new Float32Array(B) }));
    await until(() => c.texts.some((t) => t.type === 'error'));
    expect(JSON.stringify(c.texts.find((t) => t.type === 'error'))).toMatch(/16000 Hz/);
    const before = backend.manager.size;
    expect(before).toBeGreaterThan(0);
    c.close();
    await until(() => backend.manager.size === before - 1);
  });
});
