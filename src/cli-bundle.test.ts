// `vc convert --bundle DIR` with the real exported models: the comparison bundle's files are all there
// (reference.wav only for a one-shot conversion), metrics.json holds the settings, versions, timings,
// meters and both quality-gate verdicts, an occupied folder is refused, and a failure mid-write leaves
// neither the folder nor a partial one behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type CliIo } from './cli';
import { cathyPaths, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, tempDir } from './test-support/models';

function io(cwd: string): CliIo & { out: string; err: string } {
  const r = { out: '', err: '', cwd, isTTY: false } as CliIo & { out: string; err: string };
  r.stdout = (s) => void (r.out += s);
  r.stderr = (s) => void (r.err += s);
  return r;
}

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`vc convert --bundle${NO_MODELS}`, () => {
  let cwd: string;
  let voice: string;
  const common = () => ['--models', MODELS_DIR, '--data', path.join(cwd, 'data'), '--quality', 'fast'];

  beforeAll(async () => {
    cwd = tempDir('vs-bundle-');
    const v = io(cwd);
    expect(await runCli(['voices', '--json', ...common().slice(0, 4)], v)).toBe(0);
    voice = JSON.parse(v.out).voices[0].id;
  });
  afterEach(() => vi.restoreAllMocks());

  it('writes source, result, metrics.json and spectrogram.png for a library voice', async () => {
    const dir = path.join(cwd, 'bundle-voice');
    const a = io(cwd);
    const code = await runCli(['convert', cathyPaths()[0], '--voice', voice, '--bundle', dir, '--json', ...common()], a);
    expect(a.err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ ok: true, bundle: dir, output: null });
    expect(fs.readdirSync(dir).sort()).toEqual(['metrics.json', 'result.wav', 'source.wav', 'spectrogram.png']);
    const png = fs.readFileSync(path.join(dir, 'spectrogram.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(m.settings).toMatchObject({ voice, target: 'voice', mix: [{ voiceId: voice, weight: 1 }], pitchSemitones: 0, quality: 'fast', variant: 'continuous' });
    expect(m.versions.app).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.versions.models.length).toBeGreaterThan(0);
    expect(Object.keys(m.versions.graphSha256).length).toBeGreaterThan(0);
    expect(m.timingsMs.total).toBeGreaterThan(0);
    expect(m.rtf).toBeGreaterThan(0);
    expect(m.soundsLike).toHaveProperty('toTarget');
    expect(m.soundsLike).toHaveProperty('toSource');
    expect(['ok', 'warn', 'reject']).toContain(m.qualityGate.input.verdict);
    expect(['ok', 'warn', 'reject']).toContain(m.qualityGate.output.verdict);
    expect(m.files).toEqual(['source.wav', 'result.wav', 'metrics.json', 'spectrogram.png']);
    expect(fs.readdirSync(cwd).filter((f) => f.includes('.partial-'))).toEqual([]);

    // The same folder again: refused in plain words, before converting.
    const b = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', voice, '--bundle', dir, ...common()], b)).toBe(1);
    expect(b.err).toMatch(/already exists and is not an empty folder/);
  });

  it('adds reference.wav for a one-shot conversion', async () => {
    const dir = path.join(cwd, 'bundle-ref');
    const a = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', cathyPaths()[1], '--bundle', dir, ...common()], a)).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['metrics.json', 'reference.wav', 'result.wav', 'source.wav', 'spectrogram.png']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')).settings.target).toBe('reference');
  });

  it('leaves nothing behind when the final rename fails', async () => {
    const dir = path.join(cwd, 'bundle-fail');
    vi.spyOn(fs.promises, 'rename').mockRejectedValueOnce(Object.assign(new Error('forced'), { code: 'EIO' }));
    const a = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', voice, '--bundle', dir, ...common()], a)).toBe(1);
    expect(a.err).toMatch(/Could not write the bundle .*EIO/);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(cwd).filter((f) => f.startsWith('bundle-fail'))).toEqual([]);
  });
});
