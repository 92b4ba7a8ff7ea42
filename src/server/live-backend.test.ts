// Web mode's live backend with the real live engine process (host.ts in mode 'live', forked like the
// main engine): a session converts real blocks; when the process dies mid-session the session ends
// with ENGINE_RESTARTED (the renderer says "press Go live again"), and the next session starts a fresh
// process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiErrorInfo, LiveServerMessage } from '../api/types.js';
import { HAVE_MODELS, NO_MODELS, REPO_ROOT } from '../test-support/models.js';
import { nodeEngineLauncher } from '../engine-process/node-launcher.js';
import type { LaunchedEngine } from '../engine-process/supervisor.js';
import { processLiveBackend } from './live-backend.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-live-backend-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const until = async (cond: () => boolean, ms = 120_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(!HAVE_MODELS)(`processLiveBackend${NO_MODELS}`, () => {
  it('converts in the live process, reports its death as ENGINE_RESTARTED, and starts a fresh one for the next session', async () => {
    const launched: LaunchedEngine[] = [];
    const base = nodeEngineLauncher({ root: REPO_ROOT, userDataDir: dataDir, mode: 'live' });
    const backend = processLiveBackend(() => {
      const e = base();
      launched.push(e);
      return e;
    });
    try {
      const got: LiveServerMessage[] = [];
      const ended: ApiErrorInfo[] = [];
      const voicesJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', 'voices.json'), 'utf8')) as { voices?: { id: string }[] } | { id: string }[];
      const voiceId = (Array.isArray(voicesJson) ? voicesJson : voicesJson.voices!)[0].id;
      const link = backend.open((m) => got.push(m), (e) => ended.push(e));
      link.send({ type: 'start', target: { mix: [{ voiceId, weight: 1 }] } });
      await until(() => got.some((m) => m.type === 'started' || m.type === 'error'));
      expect(got.filter((m) => m.type === 'error')).toEqual([]);
      for (let k = 0; k < 4; k++) {
        link.send({ type: 'audio', seq: k, samples: new Float32Array(1024).map((_, i) => 0.2 * Math.sin((i + k * 1024) / 6)) });
        await until(() => got.filter((m) => m.type === 'audio').length === k + 1, 30_000);
      }
      expect(launched).toHaveLength(1);
      launched[0].kill();
      await until(() => ended.length === 1, 10_000);
      expect(ended[0]).toMatchObject({ code: 'ENGINE_RESTARTED' });
      const again: LiveServerMessage[] = [];
      const link2 = backend.open((m) => again.push(m), () => {});
      link2.send({ type: 'start', target: { mix: [{ voiceId, weight: 1 }] } });
      await until(() => again.some((m) => m.type === 'started'));
      expect(launched).toHaveLength(2);
      link2.close();
    } finally {
      await backend.dispose();
    }
  }, 300_000);
});
