// The live engine process's two ways in: one MessagePort per session (Electron; here Node's own
// MessageChannel behind the MessagePortMain surface) and the multiplexed parent channel (web mode).
// Both carry structured clones; audio stays a Float32Array end to end.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { LiveServerMessage } from '../api/types.js';
import { HAVE_MODELS, NO_MODELS, sharedEngine } from '../test-support/models.js';
import { LiveHost, type LiveHostOutbound, type LivePortLike } from './live-host.js';

const until = async (cond: () => boolean, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe.skipIf(!HAVE_MODELS)(`LiveHost${NO_MODELS}`, () => {
  it('serves a session on a port (Electron) and on the multiplexed channel (web mode)', async () => {
    const engine = await sharedEngine();
    const voiceId = engine.library.list()[0].id;
    const host = new LiveHost(async () => engine, { statsEveryMs: 50 });
    const start = { type: 'start', target: { mix: [{ voiceId, weight: 1 }] } };
    const block = (seq: number) => ({ type: 'audio', seq, samples: new Float32Array(1024).map((_, i) => 0.1 * Math.sin(i / 5)) });

    // Electron: a port per session
    const { port1, port2 } = new MessageChannel();
    const electronSide: LivePortLike = {
      postMessage: (m) => port1.postMessage(m),
      on: ((ev: string, l: (e?: { data: unknown }) => void) => (ev === 'message' ? port1.on('message', (data) => l({ data })) : port1.on('close', () => l()))) as LivePortLike['on'],
      start: () => port1.start(),
      close: () => port1.close(),
    };
    host.attachPort(electronSide);
    const fromPort: LiveServerMessage[] = [];
    port2.on('message', (m: LiveServerMessage) => fromPort.push(m));
    port2.postMessage(start);
    await until(() => fromPort.some((m) => m.type === 'started'));
    for (let k = 0; k < 3; k++) {
      port2.postMessage(block(k));
      await until(() => fromPort.filter((m) => m.type === 'audio').length === k + 1);
    }
    const audio = fromPort.filter((m) => m.type === 'audio') as Extract<LiveServerMessage, { type: 'audio' }>[];
    expect(audio[2].samples).toBeInstanceOf(Float32Array);
    expect(audio.map((a) => a.seq)).toEqual([0, 1, 2]);
    expect(host.manager.size).toBe(1);
    port2.close();
    await until(() => host.manager.size === 0, 5000);

    // web mode: { session, message } both ways
    const out: LiveHostOutbound[] = [];
    let deliver!: (m: unknown) => void;
    host.attachChannel((m) => out.push(m), (l) => (deliver = l));
    deliver({ session: 'w1', message: start });
    await until(() => out.some((o) => o.session === 'w1' && o.message.type === 'started'));
    deliver({ session: 'w1', message: block(0) });
    await until(() => out.some((o) => o.message.type === 'audio'));
    deliver({ session: 'w1', close: true });
    await until(() => host.manager.size === 0, 5000);
    host.dispose();
  }, 120_000);
});
