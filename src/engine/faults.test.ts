// Faults (issue 5): a model file missing, altered or unreadable by onnxruntime; the manifest or the
// built-in voice list damaged; the user's voice library corrupt; the output folder unusable or the
// disk full during an export. Each gives a clear typed error, leaves no partial file behind (the
// folders are listed afterwards), and the service keeps working once the fault is gone.
// A full disk is simulated: node:fs/promises is wrapped so that writes under a chosen folder fail
// with ENOSPC after the first bytes, the way a real full disk fails mid-file.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandlerTable, type Envelope, type HandlerTable } from '../api/handlers.js';
import type { AudioData, JobStatus } from '../api/types.js';
import { encodeWav } from '../audio/wav-encode.js';
import { writeFileAtomic } from '../audio/write-atomic.js';
import { runCli, type CliIo } from '../cli.js';
import { createVoiceService, type VoiceService } from '../service.js';
import { cathySeconds, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, REPO_ROOT, tempDir } from '../test-support/models.js';

const disk = vi.hoisted(() => ({ fullUnder: null as string | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof orig.open = (async (file: fs.PathLike, ...rest: unknown[]) => {
    const fh = await (orig.open as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(file, ...rest);
    if (!disk.fullUnder || !path.resolve(String(file)).startsWith(disk.fullUnder + path.sep)) return fh;
    let written = 0;
    // A handle whose writes stop with ENOSPC after 4 KiB.
    return new Proxy(fh, {
      get(target, prop, receiver) {
        if (prop === 'write') {
          return async (buf: Uint8Array, off = 0, len = buf.length - off) => {
            if (written >= 4096) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
            const n = Math.min(len, 4096 - written);
            const r = await target.write(buf, off, n);
            written += r.bytesWritten;
            return r;
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }) as typeof orig.open;
  return { ...orig, open, default: { ...orig, open } };
});

const ctx = { transport: 'direct' as const };
const ok = <T>(e: Envelope<T>): T => {
  if (!e.ok) throw new Error(`${e.error.code}: ${e.error.message}`);
  return e.result;
};
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

function io(cwd: string): CliIo & { out: string; err: string } {
  const r = { out: '', err: '', cwd, isTTY: false } as CliIo & { out: string; err: string };
  r.stdout = (s) => void (r.out += s);
  r.stderr = (s) => void (r.err += s);
  return r;
}

describe('a full disk during an atomic write (the Electron export path)', () => {
  const dir = tempDir('vs-full-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails with ENOSPC, keeps the previous file intact and leaves no temporary file', async () => {
    const target = path.join(dir, 'take.wav');
    fs.writeFileSync(target, 'previous export');
    disk.fullUnder = dir;
    try {
      await expect(writeFileAtomic(target, new Uint8Array(64 * 1024).fill(1))).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      disk.fullUnder = null;
    }
    expect(fs.readdirSync(dir)).toEqual(['take.wav']);
    expect(fs.readFileSync(target, 'utf8')).toBe('previous export');
    await writeFileAtomic(target, new Uint8Array(64 * 1024).fill(2));
    expect(fs.statSync(target).size).toBe(64 * 1024);
  });
});

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`faults with the exported models${NO_MODELS}`, () => {
  let speech: AudioData;
  const dirs: string[] = [];
  const services: VoiceService[] = [];
  const mk = (prefix: string): string => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    speech = await cathySeconds(2);
  });
  afterAll(async () => {
    for (const s of services) await s.dispose();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function service(modelsDir: string, userDataDir: string): HandlerTable {
    const s = createVoiceService({ root: REPO_ROOT, modelsDir, userDataDir });
    services.push(s);
    return createHandlerTable(s);
  }

  /** A private copy of the models (manifest, voices, graphs) to damage. */
  function copyModels(): string {
    const d = mk('vs-models-');
    for (const f of fs.readdirSync(MODELS_DIR)) {
      if (f.endsWith('.onnx') || f.endsWith('.json')) fs.copyFileSync(path.join(MODELS_DIR, f), path.join(d, f));
    }
    return d;
  }

  async function convertOnce(api: HandlerTable, voiceId?: string): Promise<JobStatus> {
    const id = voiceId ?? ok(await api.listVoices(undefined, ctx))[0].id;
    const { jobId } = ok(await api.startConversion({ source: speech, target: { mix: [{ voiceId: id, weight: 1 }] }, quality: 'fast' }, ctx));
    for (;;) {
      const s = ok(await api.getJob({ jobId }, ctx));
      if (s.state !== 'queued' && s.state !== 'running') return s;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('a missing, altered, emptied or unloadable model file: MODEL_ERROR naming it; works again once repaired', async () => {
    const models = copyModels();
    const api = service(models, mk('vs-user-'));
    const manifest = JSON.parse(fs.readFileSync(path.join(models, 'manifest.json'), 'utf8')) as { models: Record<string, { file: string; sha256: string; bytes: number }> };
    const file = (name: string) => path.join(models, manifest.models[name].file);
    const original = (name: string) => fs.readFileSync(path.join(MODELS_DIR, manifest.models[name].file));
    const faults: { label: string; name: string; apply: () => void; expect: RegExp }[] = [
      { label: 'missing', name: 'decoder', apply: () => fs.rmSync(file('decoder')), expect: /decoder\.onnx is missing/ },
      {
        label: 'one byte altered',
        name: 'content_encoder',
        apply: () => {
          const b = original('content_encoder');
          b[b.length >> 1] ^= 0x40;
          fs.writeFileSync(file('content_encoder'), b);
        },
        expect: /content_encoder\.onnx is damaged or was altered/,
      },
      { label: 'emptied', name: 'speaker_encoder', apply: () => fs.writeFileSync(file('speaker_encoder'), ''), expect: /speaker_encoder\.onnx is damaged or was altered/ },
    ];
    for (const f of faults) {
      f.apply();
      const r = await api.listVoices(undefined, ctx);
      expect(r, f.label).toMatchObject({ ok: false, error: { code: 'MODEL_ERROR', message: expect.stringMatching(f.expect) } });
      expect((r as { error: { message: string } }).error.message).toMatch(/Reinstall|re-export/i);
      // The calls that need no model still answer.
      expect(ok(await api.version(undefined, ctx)).app).toMatch(/\d/);
      // Repair: the next call loads again.
      fs.writeFileSync(file(f.name), original(f.name));
      expect(ok(await api.listVoices(undefined, ctx)).length).toBeGreaterThan(0);
      await services[services.length - 1].dispose();
      services.pop();
      Object.assign(api, service(models, mk('vs-user-')));
    }
    // A file whose sha256 matches the manifest but is not an ONNX graph (a tampered manifest).
    const garbage = Buffer.from('not an onnx graph at all');
    fs.writeFileSync(file('decoder'), garbage);
    const m2 = structuredClone(manifest);
    m2.models.decoder.sha256 = createHash('sha256').update(garbage).digest('hex');
    fs.writeFileSync(path.join(models, 'manifest.json'), JSON.stringify(m2));
    const r = await api.listVoices(undefined, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'MODEL_ERROR', message: expect.stringMatching(/decoder\.onnx could not be loaded/) } });
    // Damaged manifest and voice list.
    fs.writeFileSync(path.join(models, 'manifest.json'), '{"version": 1, "models": ');
    expect(await api.listVoices(undefined, ctx)).toMatchObject({ ok: false, error: { code: 'MODEL_ERROR', message: expect.stringMatching(/manifest.json\) is not valid JSON/) } });
    fs.copyFileSync(path.join(MODELS_DIR, 'manifest.json'), path.join(models, 'manifest.json'));
    fs.writeFileSync(file('decoder'), original('decoder'));
    fs.writeFileSync(path.join(models, 'voices.json'), '{"voices": [{"id": "x"}]}');
    expect(await api.listVoices(undefined, ctx)).toMatchObject({ ok: false, error: { code: 'MODEL_ERROR', message: expect.stringMatching(/voices\.json/) } });
    fs.copyFileSync(path.join(MODELS_DIR, 'voices.json'), path.join(models, 'voices.json'));
    // All repaired: a conversion runs.
    expect((await convertOnce(api)).state).toBe('done');
  });

  it('a corrupt voice library: restored from the backup and the voices\' record copies, the corrupt file kept aside, the app keeps working', async () => {
    const user = mk('vs-user-');
    const enrollSpeech = await cathySeconds(8, 40);
    let api = service(MODELS_DIR, user);
    const a = ok(await api.enrollVoice({ name: 'Anna', audio: enrollSpeech }, ctx));
    ok(await api.enrollVoice({ name: 'Bert', audio: enrollSpeech }, ctx)); // voices.json.bak now holds [Anna]; Bert has his record copy
    expect(fs.existsSync(path.join(user, 'voices.json.bak'))).toBe(true);
    await services.pop()!.dispose();

    fs.writeFileSync(path.join(user, 'voices.json'), '{"version":1,"voices":[{"id":"user-1","na'); // cut mid-write
    api = service(MODELS_DIR, user);
    const names = ok(await api.listVoices(undefined, ctx)).filter((v) => v.kind === 'enrolled').map((v) => v.name);
    expect(names).toEqual(['Anna', 'Bert']);
    const corrupt = fs.readdirSync(user).filter((f) => f.startsWith('voices.json.corrupt-'));
    expect(corrupt).toHaveLength(1);
    expect(fs.readFileSync(path.join(user, corrupt[0]), 'utf8')).toMatch(/"na$/);
    expect((await convertOnce(api, a.id)).state).toBe('done');
    ok(await api.enrollVoice({ name: 'Cleo', audio: enrollSpeech }, ctx));
    await services.pop()!.dispose();

    // Both the library and its backup damaged: the voices come back from their record copies; keep the bad file aside.
    fs.writeFileSync(path.join(user, 'voices.json'), 'garbage');
    fs.writeFileSync(path.join(user, 'voices.json.bak'), '\u0000\u0000');
    api = service(MODELS_DIR, user);
    expect(ok(await api.listVoices(undefined, ctx)).filter((v) => v.kind === 'enrolled').map((v) => v.name)).toEqual(['Anna', 'Bert', 'Cleo']);
    expect(fs.readdirSync(user).filter((f) => f.startsWith('voices.json.corrupt-')).length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(fs.readFileSync(path.join(user, 'voices.json'), 'utf8')).voices).toHaveLength(3);
    // All of it gone but the index: nothing to recover, the library starts empty.
    fs.rmSync(path.join(user, 'voices'), { recursive: true });
    fs.writeFileSync(path.join(user, 'voices.json'), 'garbage');
    fs.rmSync(path.join(user, 'voices.json.bak'));
    await services.pop()!.dispose();
    api = service(MODELS_DIR, user);
    expect(ok(await api.listVoices(undefined, ctx)).filter((v) => v.kind === 'enrolled')).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(user, 'voices.json'), 'utf8'))).toMatchObject({ voices: [] });
    ok(await api.enrollVoice({ name: 'Dora', audio: enrollSpeech }, ctx));
    expect(fs.readdirSync(user).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an unusable user data folder: built-in voices still convert; enrolling says why it cannot save', async () => {
    const parent = mk('vs-user-');
    const user = path.join(parent, 'not-a-folder');
    fs.writeFileSync(user, 'a file where the folder should be');
    const api = service(MODELS_DIR, user);
    const voices = await api.listVoices(undefined, ctx);
    expect(voices.ok).toBe(true);
    expect((await convertOnce(api)).state).toBe('done');
    const r = await api.enrollVoice({ name: 'Eve', audio: await cathySeconds(8, 40) }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'IO_ERROR', message: expect.stringMatching(/Could not save/) } });
    expect(fs.readFileSync(user, 'utf8')).toBe('a file where the folder should be');
  });

  describe('the CLI writing into an unusable or full output folder', () => {
    let cwd: string;
    let input: string;
    let voice: string;
    const common = () => ['--models', MODELS_DIR, '--data', path.join(cwd, 'data'), '--quality', 'fast'];

    beforeAll(async () => {
      cwd = mk('vs-cli-faults-');
      input = path.join(cwd, 'in.wav');
      fs.writeFileSync(input, encodeWav({ sampleRate: 16000, channels: speech.channels }, { format: 'int16' }));
      const v = io(cwd);
      expect(await runCli(['voices', '--json', ...common().slice(0, 4)], v)).toBe(0);
      voice = JSON.parse(v.out).voices[0].id;
    });

    async function convertTo(out: string): Promise<{ code: number; err: string }> {
      const r = io(cwd);
      const code = await runCli(['convert', input, '--voice', voice, '--out', out, ...common()], r);
      return { code, err: r.err };
    }

    it('a parent that is a file, a missing folder, a read-only folder: one clear line, exit code, no file', async () => {
      const blocker = path.join(cwd, 'blocker');
      fs.writeFileSync(blocker, 'x');
      const cases: [string, RegExp][] = [
        [path.join(blocker, 'out.wav'), /does not exist|ENOTDIR|not a folder/i],
        [path.join(cwd, 'missing', 'out.wav'), /does not exist/],
      ];
      const ro = path.join(cwd, 'readonly');
      fs.mkdirSync(ro);
      fs.chmodSync(ro, 0o500);
      if (!IS_ROOT) cases.push([path.join(ro, 'out.wav'), /EACCES|permission/i]);
      else console.log('[faults] running as root: a read-only folder does not stop root, so the file-as-parent case stands in for it');
      for (const [out, msg] of cases) {
        const r = await convertTo(out);
        expect(r.code, out).not.toBe(0);
        expect(r.err.trim().split('\n'), out).toHaveLength(1);
        expect(r.err, out).toMatch(msg);
      }
      expect(fs.readdirSync(ro)).toEqual(IS_ROOT ? [] : []);
      expect(fs.readFileSync(blocker, 'utf8')).toBe('x');
      fs.chmodSync(ro, 0o700);
    });

    it('a full disk mid-export: IO_ERROR naming ENOSPC, the previous output intact, no partial file; works once space is back', async () => {
      const outDir = path.join(cwd, 'full');
      fs.mkdirSync(outDir);
      const out = path.join(outDir, 'converted.wav');
      fs.writeFileSync(out, 'the previous conversion');
      disk.fullUnder = outDir;
      let r: { code: number; err: string };
      try {
        r = await convertTo(out);
      } finally {
        disk.fullUnder = null;
      }
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/ENOSPC/);
      expect(r.err).toMatch(/Could not write/);
      expect(fs.readdirSync(outDir)).toEqual(['converted.wav']);
      expect(fs.readFileSync(out, 'utf8')).toBe('the previous conversion');
      const again = await convertTo(out);
      expect(again.code).toBe(0);
      expect(fs.readdirSync(outDir)).toEqual(['converted.wav']);
      expect(fs.statSync(out).size).toBeGreaterThan(44 + 2 * 16000);
    });
  });
});
