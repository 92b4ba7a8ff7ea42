// The vc command line, run in-process (runCli) with the real exported models: convert writes a WAV
// atomically and reports JSON; failures give one line, a non-zero code and no output file.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from './audio/decode';
import { encodeWav } from './audio/wav-encode';
import type { VoiceInfo } from './api/types';
import { runCli, type CliIo } from './cli';
import { cathyPaths, HAVE_CATHY, HAVE_MODELS, MODELS_DIR, NO_MODELS, tempDir } from './test-support/models';

function io(cwd: string, signal?: AbortSignal): CliIo & { out: string; err: string } {
  const r = { out: '', err: '', cwd, isTTY: false, signal } as CliIo & { out: string; err: string };
  r.stdout = (s) => void (r.out += s);
  r.stderr = (s) => void (r.err += s);
  return r;
}

describe('vc usage errors', () => {
  it('prints usage and exits 2 on bad arguments', async () => {
    const a = io(tempDir());
    expect(await runCli(['convert', 'x.wav', '--bogus'], a)).toBe(2);
    expect(a.err.trim().split('\n')).toHaveLength(1);
    expect(a.err).toMatch(/Unknown option --bogus/);
    const b = io(tempDir());
    expect(await runCli(['--help'], b)).toBe(0);
    expect(b.out).toMatch(/Usage: vc/);
    const c = io(tempDir());
    expect(await runCli(['convert', 'x.wav', '--voice', 'a', '--pitch', '99'], c)).toBe(2);
    expect(c.err).toMatch(/--pitch must be/);
  });
});

describe.skipIf(!HAVE_MODELS || !HAVE_CATHY)(`vc with the exported models${NO_MODELS}`, () => {
  let voice: string;
  let voices: VoiceInfo[];
  let cwd: string;
  const common = () => ['--models', MODELS_DIR, '--data', path.join(cwd, 'data')];

  beforeAll(async () => {
    cwd = tempDir('vs-cli-');
    const v = io(cwd);
    expect(await runCli(['voices', '--json', ...common()], v)).toBe(0);
    voices = JSON.parse(v.out).voices;
    voice = voices[0].id;
  });

  it('streams a clip through the live-mode converter: an aligned WAV and the latency figures as JSON', async () => {
    const own = tempDir('vs-cli-stream-');
    const a = io(own);
    const code = await runCli(['stream', cathyPaths()[0], '--voice', voice, '--out', 'live.wav', ...common()], a);
    expect(a.err).toBe('');
    expect(code).toBe(0);
    const res = JSON.parse(a.out);
    expect(res.ok).toBe(true);
    expect(res.latency.endToEndMs).toBeGreaterThan(res.config.blockMs);
    expect(res.blocks).toBeGreaterThan(10);
    const back = await decodeAudioFile(path.join(own, 'live.wav'));
    const src = await decodeAudioFile(cathyPaths()[0]);
    expect(back.channels[0].length).toBe(src.channels[0].length);
    const b = io(own);
    expect(await runCli(['stream', cathyPaths()[0], '--voice', voice, '--out', 'x.wav', '--quality', 'classic', ...common()], b)).toBe(2);
    expect(fs.existsSync(path.join(own, 'x.wav'))).toBe(false);
  });

  it('converts a cathy clip to a built-in voice and writes <stem>-<voice>.wav next to the input, not in the working folder', async () => {
    const inputDir = tempDir('vs-cli-input-');
    const input = path.join(inputDir, path.basename(cathyPaths()[0]));
    fs.copyFileSync(cathyPaths()[0], input);
    const a = io(cwd);
    const code = await runCli(['convert', input, '--voice', voice, '--quality', 'fast', '--json', ...common()], a);
    expect(a.err).toBe('');
    expect(code).toBe(0);
    const res = JSON.parse(a.out);
    const expected = path.join(inputDir, `${path.basename(input, '.flac')}-${voice}.wav`);
    expect(res).toMatchObject({ ok: true, output: expected, voice });
    expect(fs.readdirSync(cwd).filter((f) => f.endsWith('.wav'))).toEqual([]);
    const back = await decodeAudioFile(expected);
    const src = await decodeAudioFile(input);
    expect(back.sampleRate).toBe(16000);
    expect(back.channels[0].length).toBe(src.channels[0].length);
    expect(fs.readdirSync(inputDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('takes a voice by its display name in any case, and a blend of names', async () => {
    const lower = (x: string): string => x.toLocaleLowerCase();
    const unique = voices.filter((v) => voices.filter((w) => lower(w.name) === lower(v.name) || lower(w.id) === lower(v.name)).length === 1 && lower(v.name) !== lower(v.id));
    expect(unique.length).toBeGreaterThanOrEqual(2);
    const [first, second] = unique;
    const a = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', first.name.toLocaleUpperCase(), '--out', 'by-name.wav', '--quality', 'fast', '--json', ...common()], a)).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ ok: true, voice: first.id, target: 'voice' });
    const b = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', `${lower(first.name)}=1,${second.name}=1`, '--out', 'by-names.wav', '--quality', 'fast', '--json', ...common()], b)).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ ok: true, voice: `${first.id}+${second.id}`, target: 'blend' });
  });

  it('writes FLAC at 48 kHz to --out', async () => {
    const a = io(cwd);
    expect(await runCli(['convert', cathyPaths()[1], '--voice', voice, '--out', 'sub.flac', '--rate', '48000', '--quality', 'fast', ...common()], a)).toBe(0);
    expect(a.out).toMatch(/Wrote sub\.flac/);
    expect((await decodeAudioFile(path.join(cwd, 'sub.flac'))).sampleRate).toBe(48000);
  });

  it('prints the verifier meter, warns on stderr about a short one-shot reference, and passes --variant through', async () => {
    // A 1.5 s reference: accepted for a one-shot conversion, with a warning (issue 11).
    const ref = await decodeAudioFile(cathyPaths()[3]);
    fs.writeFileSync(path.join(cwd, 'short-ref.wav'), encodeWav({ sampleRate: ref.sampleRate, channels: [ref.channels[0].subarray(0, Math.round(1.5 * ref.sampleRate))] }));
    const a = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', 'short-ref.wav', '--out', 'one-shot.wav', '--quality', 'fast', ...common()], a)).toBe(0);
    expect(a.err).toMatch(/^vc: warning: The reference is short \(1\.5 s\)/m);
    expect(a.out).toMatch(/^Sounds like the target: (likely|unclear|unlikely|not shown)/m);
    expect(a.out).toMatch(/^Sounds like the source: (likely|unclear|unlikely|not shown)/m);
    const j = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', 'short-ref.wav', '--out', 'one-shot.wav', '--quality', 'fast', '--json', ...common()], j)).toBe(0);
    const res = JSON.parse(j.out);
    expect(res.warnings).toEqual([expect.stringMatching(/short/)]);
    expect(res.similarity.toTarget).toEqual(expect.objectContaining({ verdict: expect.toBeOneOf(['likely', 'unclear', 'unlikely', null]) }));
    expect(res.variant).toBe('continuous');
    const v = io(cwd);
    const code = await runCli(['convert', cathyPaths()[0], '--voice', voice, '--variant', 'vq', '--out', 'vq.wav', '--quality', 'fast', '--json', ...common()], v);
    if (code === 0) expect(JSON.parse(v.out).variant).toBe('vq');
    else expect(v.err).toMatch(/no discrete \(VQ\) variant/);
  });

  it('fails with one line, a non-zero code and no file for bad input', async () => {
    fs.writeFileSync(path.join(cwd, 'notaudio.wav'), 'hello, this is text');
    const src = await decodeAudioFile(cathyPaths()[0]);
    fs.writeFileSync(path.join(cwd, 'short.wav'), encodeWav({ sampleRate: 16000, channels: [src.channels[0].subarray(0, 32000)] }));
    const cases: [string[], RegExp][] = [
      [['convert', 'missing.wav', '--voice', voice, '--out', 'o1.wav'], /not found/],
      [['convert', 'notaudio.wav', '--voice', voice, '--out', 'o2.wav'], /could not be read/],
      [['convert', cathyPaths()[0], '--voice', 'no-such-voice', '--out', 'o3.wav'], /neither a voice \(id or name\) nor an audio file/],
      [['convert', cathyPaths()[0], '--voice', voice, '--out', 'nodir/o4.wav'], /does not exist/],
      [['enroll', 'short.wav', '--name', 'Too short'], /too short/],
    ];
    for (const [args, msg] of cases) {
      const a = io(cwd);
      expect(await runCli([...args, ...common()], a), args.join(' ')).toBe(1);
      expect(a.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(a.err).toMatch(msg);
    }
    expect(fs.readdirSync(cwd).filter((f) => /^o\d/.test(f) || f.endsWith('.tmp'))).toEqual([]);
  });

  it('cancels (Ctrl+C) without leaving an output file', async () => {
    const controller = new AbortController();
    const a = io(cwd, controller.signal);
    const run = runCli(['convert', cathyPaths()[2], '--voice', voice, '--out', 'cancelled.wav', ...common()], a);
    setTimeout(() => controller.abort(), 5);
    expect(await run).toBe(130);
    expect(a.err).toMatch(/Cancelled/);
    expect(fs.existsSync(path.join(cwd, 'cancelled.wav'))).toBe(false);
  });

  it('enters through the handler table: its validation answers, and the engine is never called directly (issue 15)', async () => {
    // The table's messages and codes, not the CLI's own: blend weights and the voice name.
    const a = io(cwd);
    expect(await runCli(['convert', cathyPaths()[0], '--voice', `${voices[0].id}=0,${voices[1].id}=0`, '--out', 'w0.wav', ...common()], a)).toBe(2);
    expect(a.err).toMatch(/^vc: At least one voice in the blend needs a weight above zero\.$/m);
    const b = io(cwd);
    expect(await runCli(['enroll', cathyPaths()[0], '--name', 'bad\u0001name', ...common()], b)).toBe(2);
    expect(b.err).toMatch(/Voice name must not contain control characters/);
    const all = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'cli.ts'), 'utf8');
    // `vc stream` is the exception: live audio has its own channel (not the request/reply table), and the
    // command drives the streaming converter the way the live engine process does. Nothing else may.
    const src = all.replace(/async function cmdStream[\s\S]*?\n}\n/, '');
    expect(src).not.toBe(all);
    expect(src).not.toMatch(/from '\.\/engine\/engine/);
    expect(src).not.toMatch(/\.engine\(\)/);
    expect(src).toMatch(/createHandlerTable\(/);
  });

  it('analyzes a clip as JSON', async () => {
    const a = io(cwd);
    expect(await runCli(['analyze', cathyPaths()[0], '--json', ...common()], a)).toBe(0);
    const { report } = JSON.parse(a.out);
    expect(report).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(report.anomaly.scores.length).toBeGreaterThan(10);
  });
});
