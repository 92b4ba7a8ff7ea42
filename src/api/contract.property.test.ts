// Property-based tests over the whole VoiceApi contract (issue 5): for every call in CALL_NAMES,
// malformed, oversized and wrongly typed arguments come back from the handler table as an
// INVALID_ARGUMENT envelope: never a throw, never INTERNAL, and the engine is never reached. Export
// names cannot escape the chosen folder. The implementation behind the table is a recording stub, so
// what is tested is the boundary itself (validate.ts + handlers.ts), as both transports see it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_MODELS, MODELS_DIR, NO_MODELS, REPO_ROOT, tempDir } from '../test-support/models.js';
import { createVoiceService, type VoiceService } from '../service.js';
import { createHandlerTable, type ApiImplementation, type Envelope } from './handlers.js';
import { CALL_NAMES, type CallName } from './types.js';
import { LIMITS, safeFileStem } from './validate.js';
import { decodeMessage, encodeMessage } from './wire.js';

const ctx = { transport: 'direct' as const };
const reached: { name: CallName; args: unknown }[] = [];
const stub = new Proxy({} as ApiImplementation, {
  get: (_t, name) => async (args: unknown) => {
    reached.push({ name: name as CallName, args });
    return { stub: true };
  },
});
const api = createHandlerTable(stub);

const SEED = 20261130;
const tone = (n: number, rate = 16000): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate));
const goodAudio = () => ({ sampleRate: 16000, channels: [tone(1600)] });

/** One valid argument object per call (the base the mutations start from). */
const VALID: Record<CallName, () => unknown> = {
  version: () => undefined,
  listVoices: () => undefined,
  previewVoice: () => ({ id: 'espeak-001' }),
  enrollVoice: () => ({ name: 'My voice', audio: goodAudio() }),
  renameVoice: () => ({ id: 'user-abc', name: 'New name' }),
  deleteVoice: () => ({ id: 'user-abc' }),
  analyze: () => ({ audio: goodAudio() }),
  startConversion: () => ({ source: goodAudio(), target: { mix: [{ voiceId: 'a', weight: 1 }, { voiceId: 'b', weight: 0.5 }] }, pitchSemitones: 2, quality: 'fast' }),
  getJob: () => ({ jobId: 'job-0123456789abcdef' }),
  cancelJob: () => ({ jobId: 'job-0123456789abcdef' }),
  exportClip: () => ({ audio: goodAudio(), format: 'wav', sampleRate: 44100, bitDepth: 16, name: 'take 1' }),
  exportBundle: () => bundleArgs(goodAudio(), [{ voiceId: 'a', weight: 1 }], 'take 1'),
};

/** A valid exportBundle request around `audio` (source and result alike). */
function bundleArgs(audio: unknown, mix: unknown, name: string): Record<string, unknown> {
  const match = { cosine: 0.5, probability: 0.9, verdict: 'likely', reason: null };
  return {
    source: audio,
    result: { audio, timings: { total: 12.5 }, similarity: { toTarget: match, toSource: { ...match } }, variant: 'continuous', anomaly: { verdict: 'ok', reasons: [] }, rtf: 0.2 },
    settings: { voice: 'A voice', mix, pitchSemitones: 0, quality: 'fast' },
    name,
  };
}

async function call(name: CallName, args: unknown): Promise<Envelope<unknown>> {
  // Never a throw: the returned promise must resolve.
  return api[name](args, ctx);
}

/** Values of every JSON/structured-clone kind, typed arrays included, some large. */
const anyValue = fc.oneof(
  fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', '\u0000', '💥'.repeat(50), 'x'.repeat(100_000)),
  fc.float32Array({ maxLength: 64 }),
  fc.float64Array({ maxLength: 64 }),
  fc.int16Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }),
);

describe('the handler table never throws and never answers INTERNAL', () => {
  afterAll(() => {
    reached.length = 0;
  });

  it.each(CALL_NAMES)('%s: arbitrary values give ok or INVALID_ARGUMENT', async (name) => {
    await fc.assert(
      fc.asyncProperty(anyValue, async (args) => {
        const before = reached.length;
        const env = await call(name, args);
        if (env.ok) {
          expect(reached.length).toBe(before + 1);
        } else {
          expect(env.error.code).toBe('INVALID_ARGUMENT');
          expect(env.error.message.length).toBeGreaterThan(5);
          expect(reached.length).toBe(before);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it.each(CALL_NAMES)('%s: the valid base is accepted (so the mutations below test something)', async (name) => {
    const env = await call(name, VALID[name]());
    expect(env).toMatchObject({ ok: true });
  });
});

/** Field paths to mutate per call, and values that must be refused there. */
type Mutation = { label: string; apply: (a: Record<string, unknown>) => void };
const set = (obj: Record<string, unknown>, p: string[], v: unknown): void => {
  let o: Record<string, unknown> = obj;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[p[p.length - 1]] = v;
};
const del = (obj: Record<string, unknown>, p: string[]): void => {
  let o: Record<string, unknown> = obj;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string, unknown>;
  delete o[p[p.length - 1]];
};

const badStrings = ['', '   ', 'a\u0000b', 'line\nbreak', 'x'.repeat(LIMITS.maxIdLength + 1), 42, null, true, {}, [], ['a'], new Float32Array(2)];
const badIds = [...badStrings, '../etc/passwd', 'a/b', 'a\\b', 'id with space', 'ünïcode', '%2e%2e'];
const badNames = [...badStrings.filter((s) => typeof s !== 'string' || s.length <= LIMITS.maxIdLength || s.trim() === ''), 'n'.repeat(LIMITS.maxNameLength + 1), 'tab\tname', 'bell\u0007'];
const badNumbers = (min: number, max: number, integer = false): unknown[] => [
  NaN,
  Infinity,
  -Infinity,
  min - 1,
  max + 1,
  1e300,
  '1',
  null,
  true,
  [],
  {},
  ...(integer ? [min + 0.5] : []),
];

function audioMutations(at: string[]): Mutation[] {
  const out: Mutation[] = [];
  const m = (label: string, v: unknown) => out.push({ label: `${at.join('.')}: ${label}`, apply: (a) => set(a, at, v) });
  m('missing', undefined);
  m('null', null);
  m('a string', 'audio');
  m('an array', [tone(10)]);
  m('extra field', { ...goodAudio(), path: '/etc/passwd' });
  for (const r of badNumbers(LIMITS.minSampleRate, LIMITS.maxSampleRate, true)) m(`sampleRate ${String(r)}`, { sampleRate: r, channels: [tone(100)] });
  m('no channels', { sampleRate: 16000, channels: [] });
  m(`${LIMITS.maxChannels + 1} channels`, { sampleRate: 16000, channels: Array.from({ length: LIMITS.maxChannels + 1 }, () => tone(10)) });
  m('channels not a list', { sampleRate: 16000, channels: tone(10) });
  m('Float64Array channel', { sampleRate: 16000, channels: [Float64Array.from(tone(10))] });
  m('Int16Array channel', { sampleRate: 16000, channels: [new Int16Array(10)] });
  m('plain number list channel', { sampleRate: 16000, channels: [Array.from(tone(10))] });
  m('null channel', { sampleRate: 16000, channels: [null] });
  m('sparse channel list', { sampleRate: 16000, channels: [, tone(10)] }); // eslint-disable-line no-sparse-arrays
  m('unequal lengths', { sampleRate: 16000, channels: [tone(10), tone(11)] });
  m('empty channel', { sampleRate: 16000, channels: [new Float32Array(0)] });
  m('NaN sample', { sampleRate: 16000, channels: [Float32Array.from([0, NaN, 0])] });
  m('Infinity sample', { sampleRate: 16000, channels: [Float32Array.from([0, 0, -Infinity])] });
  return out;
}

function fieldMutations(at: string[], bad: unknown[]): Mutation[] {
  return [
    { label: `${at.join('.')}: missing`, apply: (a) => del(a, at) },
    ...bad.map((v) => ({ label: `${at.join('.')}: ${typeof v === 'string' ? JSON.stringify(v.slice(0, 20)) : String(v)}`, apply: (a: Record<string, unknown>) => set(a, at, v) })),
  ];
}

const MUTATIONS: Record<CallName, Mutation[]> = {
  version: [{ label: 'an argument', apply: (a) => (a.x = 1) }],
  listVoices: [{ label: 'an argument', apply: (a) => (a.all = true) }],
  previewVoice: fieldMutations(['id'], badIds),
  enrollVoice: [...fieldMutations(['name'], badNames), ...audioMutations(['audio'])],
  renameVoice: [...fieldMutations(['id'], badIds), ...fieldMutations(['name'], badNames)],
  deleteVoice: fieldMutations(['id'], badIds),
  analyze: audioMutations(['audio']),
  startConversion: [
    ...audioMutations(['source']),
    ...fieldMutations(['target'], [null, 'a', [], { mix: [] }, { mix: 'a' }, { mix: [{ voiceId: 'a', weight: 1 }], extra: 1 }]),
    { label: 'mix: too many voices', apply: (a) => set(a, ['target', 'mix'], Array.from({ length: LIMITS.maxMixEntries + 1 }, (_, i) => ({ voiceId: `v${i}`, weight: 1 }))) },
    { label: 'mix: duplicate voice', apply: (a) => set(a, ['target', 'mix'], [{ voiceId: 'a', weight: 1 }, { voiceId: 'a', weight: 1 }]) },
    { label: 'mix: all weights zero', apply: (a) => set(a, ['target', 'mix'], [{ voiceId: 'a', weight: 0 }, { voiceId: 'b', weight: 0 }]) },
    { label: 'mix: negative weight', apply: (a) => set(a, ['target', 'mix'], [{ voiceId: 'a', weight: -1 }]) },
    { label: 'mix: NaN weight', apply: (a) => set(a, ['target', 'mix'], [{ voiceId: 'a', weight: NaN }]) },
    { label: 'mix: entry not an object', apply: (a) => set(a, ['target', 'mix'], ['a']) },
    { label: 'mix: null entry', apply: (a) => set(a, ['target', 'mix'], [null]) },
    { label: 'mix: sparse list', apply: (a) => set(a, ['target', 'mix'], [, { voiceId: 'a', weight: 1 }]) }, // eslint-disable-line no-sparse-arrays
    { label: 'mix: entry with an extra field', apply: (a) => set(a, ['target', 'mix'], [{ voiceId: 'a', weight: 1, path: '/x' }]) },
    ...fieldMutations(['target', 'mix', '0', 'voiceId'], badIds),
    ...fieldMutations(['pitchSemitones'], badNumbers(-LIMITS.maxPitchSemitones, LIMITS.maxPitchSemitones)).filter((m) => !m.label.endsWith('missing')),
    ...fieldMutations(['quality'], ['BEST', 'neural', '', 32, null, ['fast']]).filter((m) => !m.label.endsWith('missing')),
    ...fieldMutations(['variant'], ['VQ', 'discrete', '', 1, null, ['vq']]).filter((m) => !m.label.endsWith('missing')),
    { label: 'unknown field', apply: (a) => (a.outputPath = '/tmp/x') },
  ],
  getJob: fieldMutations(['jobId'], badIds),
  cancelJob: fieldMutations(['jobId'], badIds),
  exportClip: [
    ...audioMutations(['audio']),
    ...fieldMutations(['format'], ['mp3', 'WAV', '', null, 1, ['wav']]),
    ...fieldMutations(['sampleRate'], [8000, 96000, 44100.5, '44100', null, NaN]),
    ...fieldMutations(['bitDepth'], [8, 20, 64, '16', null, 16.5]),
    { label: '32-bit FLAC', apply: (a) => Object.assign(a, { format: 'flac', bitDepth: 32 }) },
    ...fieldMutations(['name'], ['', '   ', 'a\u0000b', 'n'.repeat(201), 7, null, {}]),
    { label: 'unknown field (a path)', apply: (a) => (a.path = '/etc/cron.d/x') },
  ],
  exportBundle: [
    ...audioMutations(['source']),
    ...audioMutations(['result', 'audio']),
    ...fieldMutations(['result', 'timings'], [null, [], 'x', { 'a b': 1 }, { total: -1 }, { total: NaN }, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i}`, 1]))]),
    ...fieldMutations(['result', 'rtf'], [-1, NaN, '0.2', null]),
    ...fieldMutations(['result', 'variant'], ['VQ', '', null, 1]),
    ...fieldMutations(['result', 'similarity', 'toTarget', 'cosine'], [2, -2, NaN, '0.5']),
    ...fieldMutations(['result', 'similarity', 'toTarget', 'verdict'], ['yes', 1, '']),
    ...fieldMutations(['result', 'anomaly', 'verdict'], ['fine', null, 1]),
    ...fieldMutations(['result', 'anomaly', 'reasons'], ['x', [1], Array(40).fill('r'), ['a\u0000b']]),
    ...fieldMutations(['settings', 'voice'], ['', 'v'.repeat(201), 7, null]),
    ...fieldMutations(['settings', 'mix'], [[], null, [{ voiceId: '../x', weight: 1 }], [{ voiceId: 'a', weight: 0 }]]),
    ...fieldMutations(['settings', 'pitchSemitones'], badNumbers(-LIMITS.maxPitchSemitones, LIMITS.maxPitchSemitones)),
    ...fieldMutations(['settings', 'quality'], ['', 'Best Ever', 7, null]).filter((m) => !m.label.endsWith('missing')),
    ...fieldMutations(['name'], ['', '   ', 'a\u0000b', 'n'.repeat(201), 7, null, {}]),
    { label: 'too long for a bundle', apply: (a) => set(a, ['source'], { sampleRate: 4000, channels: [new Float32Array(4000 * 60 * 21)] }) },
    { label: 'unknown field (a path)', apply: (a) => (a.path = '/etc/cron.d/x') },
    { label: 'unknown result field', apply: (a) => set(a, ['result', 'extra'], 1) },
  ],
};

describe('every mutation of a valid request is refused with INVALID_ARGUMENT, before the engine', () => {
  for (const name of CALL_NAMES) {
    it(`${name}: ${MUTATIONS[name].length} targeted mutations, then random combinations`, async () => {
      const base = (): Record<string, unknown> => (VALID[name]() as Record<string, unknown> | undefined) ?? {};
      for (const m of MUTATIONS[name]) {
        const args = base();
        m.apply(args);
        const before = reached.length;
        const env = await call(name, args);
        expect(env, `${name} / ${m.label}`).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
        expect(reached.length, `${name} / ${m.label} reached the engine`).toBe(before);
      }
      // Two or three mutations at once, chosen by fast-check: still refused.
      const muts = MUTATIONS[name];
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.nat(muts.length - 1), { minLength: 1, maxLength: 3 }), async (picks) => {
          const args = base();
          for (const i of picks) {
            try {
              muts[i].apply(args);
            } catch {
              // an earlier mutation replaced the parent of this field: the request is broken anyway
            }
          }
          const env = await call(name, args);
          expect(env).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
        }),
        { numRuns: 60, seed: SEED },
      );
    });
  }

  it('audio longer than the limit is refused without scanning its samples', async () => {
    const rate = LIMITS.minSampleRate;
    const long = new Float32Array(rate * LIMITS.maxAudioSeconds + rate);
    const t0 = performance.now();
    const env = await call('analyze', { audio: { sampleRate: rate, channels: [long] } });
    expect(env).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/too long/) } });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('the engine receives clean copies: trimmed names, no unknown fields, numbers as given', async () => {
    reached.length = 0;
    await call('renameVoice', { id: 'user-abc', name: '  Spaced  ' });
    expect(reached[0].args).toEqual({ id: 'user-abc', name: 'Spaced' });
    await call('startConversion', VALID.startConversion());
    expect(Object.keys(reached[1].args as object).sort()).toEqual(['pitchSemitones', 'quality', 'source', 'target']);
  });
});

describe('export names cannot leave the chosen folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-export-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const SAFE = /^[A-Za-z0-9 _()+-]+\.(wav|flac)$/;

  /** Where a transport would put the file: the CLI's --out folder, Electron's default save path. */
  function landing(fileName: string): string {
    return path.resolve(dir, fileName);
  }

  const hostile = [
    '../../etc/passwd',
    '..\\..\\Windows\\System32\\x',
    '/etc/cron.d/job',
    'C:\\Users\\x\\evil',
    '%2e%2e%2f%2e%2e%2fx',
    '..',
    '.',
    '...',
    '.hidden',
    '~/x',
    'a/../../b',
    'name.wav/../../x',
    'x\u0000.wav',
    '\u202eevil.exe',
    'ｆｕｌｌｗｉｄｔｈ／．．',
    'con',
    'x'.repeat(200),
  ];

  it('sanitizes hostile names to a plain file name in the folder', () => {
    for (const name of hostile) {
      const stem = safeFileStem(name);
      for (const ext of ['wav', 'flac']) {
        const file = `${stem}.${ext}`;
        expect(file, name).toMatch(SAFE);
        expect(path.dirname(landing(file)), name).toBe(dir);
        expect(stem.length).toBeLessThanOrEqual(80);
      }
    }
  });

  it('holds for any string (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.constantFrom(...hostile)), (name) => {
        const file = `${safeFileStem(name)}.wav`;
        expect(file).toMatch(SAFE);
        expect(file.startsWith('.')).toBe(false);
        expect(path.dirname(landing(file))).toBe(dir);
        expect(path.basename(file)).toBe(file);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('through the handler table with a file-writing sink: the file lands inside the folder, nothing else is written', async () => {
    const writing = createHandlerTable({
      ...stub,
      exportClip: async (req) => {
        const fileName = `${req.name}.${req.format}`;
        const file = landing(fileName);
        fs.writeFileSync(file, 'x');
        return { fileName, path: file };
      },
    } as ApiImplementation);
    for (const name of hostile.filter((n) => !n.includes('\u0000'))) {
      const env = await writing.exportClip({ ...(VALID.exportClip() as object), name }, ctx);
      expect(env.ok, name).toBe(true);
      const out = (env as { result: { path: string } }).result.path;
      expect(path.dirname(fs.realpathSync(out)), name).toBe(fs.realpathSync(dir));
    }
    for (const f of fs.readdirSync(dir)) expect(f).toMatch(SAFE);
    const nul = await writing.exportClip({ ...(VALID.exportClip() as object), name: 'x\u0000.wav' }, ctx);
    expect(nul).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });
});

describe('the wire codec under mutation (web mode)', () => {
  it('a mutated message either fails to decode with a plain Error or yields arguments the table answers without INTERNAL', async () => {
    const bases = CALL_NAMES.map((name) => ({ name, bytes: encodeMessage(VALID[name]() ?? {}) }));
    await fc.assert(
      fc.asyncProperty(fc.nat(bases.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.option(fc.nat(), { nil: undefined }), async (k, writes, cut) => {
        const { name, bytes } = bases[k];
        const b = new Uint8Array(bytes.subarray(0, cut === undefined ? bytes.length : Math.max(1, cut % (bytes.length + 1))));
        for (const [at, v] of writes) b[at % b.length] = v;
        let args: unknown;
        try {
          args = decodeMessage(b);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message.length).toBeGreaterThan(5);
          return;
        }
        const env = await call(name, args);
        if (!env.ok) expect(env.error.code).toBe('INVALID_ARGUMENT');
      }),
      { numRuns: 3000, seed: SEED },
    );
  });
});

describe.skipIf(!HAVE_MODELS)(`the real service never answers INTERNAL to valid-shaped requests${NO_MODELS}`, () => {
  const dir = tempDir('vs-contract-');
  let service: VoiceService;
  let real: ReturnType<typeof createHandlerTable>;
  let voiceIds: string[];
  const EXPECTED = new Set(['INVALID_ARGUMENT', 'NOT_FOUND', 'BAD_AUDIO', 'BUSY', 'CANCELLED']);

  beforeAll(async () => {
    service = createVoiceService({ root: REPO_ROOT, modelsDir: MODELS_DIR, userDataDir: dir });
    real = createHandlerTable(service);
    const voices = await real.listVoices(undefined, ctx);
    voiceIds = voices.ok ? voices.result.map((v) => v.id) : [];
  });
  afterAll(async () => {
    await service.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Short audio of any accepted rate and channel count, with hard content: silence, DC, full-scale square, noise, clicks. */
  const audioArb = fc
    .record({
      rate: fc.constantFrom(4000, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000),
      channels: fc.integer({ min: 1, max: 3 }),
      seconds: fc.constantFrom(0.001, 0.02, 0.3, 1, 2.5),
      kind: fc.constantFrom('silence', 'dc', 'square', 'noise', 'clicks', 'tone'),
      seed: fc.nat(),
    })
    .map(({ rate, channels, seconds, kind, seed }) => {
      const n = Math.max(1, Math.round(rate * seconds));
      let a = seed >>> 0;
      const rnd = () => ((a = (Math.imul(a ^ (a >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 4294967296);
      const make = (): Float32Array =>
        Float32Array.from({ length: n }, (_, i) =>
          kind === 'silence' ? 0 : kind === 'dc' ? 0.5 : kind === 'square' ? (Math.floor((i * 200) / rate) % 2 ? 1 : -1) : kind === 'noise' ? 2 * rnd() - 1 : kind === 'clicks' ? (i % 997 === 0 ? 1 : 0) : 0.5 * Math.sin((2 * Math.PI * 180 * i) / rate),
        );
      return { sampleRate: rate, channels: Array.from({ length: channels }, make) };
    });

  async function settle(jobId: string): Promise<Envelope<unknown>> {
    for (;;) {
      const s = await real.getJob({ jobId }, ctx);
      if (!s.ok) return s;
      if (s.result.state !== 'queued' && s.result.state !== 'running') {
        return s.result.error ? { ok: false, error: s.result.error } : { ok: true, result: s.result };
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('analyze, enroll, convert (incl. unknown and blended voices), export, rename/delete/preview/getJob/cancelJob of any id', async () => {
    const idArb = fc.oneof(fc.constantFrom(...voiceIds, 'user-000000000000', 'job-0000000000000000', 'nope'), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/));
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CALL_NAMES),
        audioArb,
        idArb,
        fc.array(fc.record({ voiceId: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...voiceIds) }, { weight: 1, arbitrary: idArb }), weight: fc.double({ min: 0, max: 1000, noNaN: true }) }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: -24, max: 24, noNaN: true }),
        async (name, audio, id, mix, pitch) => {
          const uniq = [...new Map(mix.map((m) => [m.voiceId, m])).values()];
          if (!uniq.some((m) => m.weight > 0)) uniq[0].weight = 1;
          const args: Record<CallName, unknown> = {
            version: undefined,
            listVoices: undefined,
            previewVoice: { id },
            enrollVoice: { name: `Voice ${id}`.slice(0, 80), audio },
            renameVoice: { id, name: 'Renamed' },
            deleteVoice: { id },
            analyze: { audio },
            startConversion: { source: audio, target: { mix: uniq }, pitchSemitones: pitch, quality: 'fast' },
            getJob: { jobId: id },
            cancelJob: { jobId: id },
            exportClip: { audio, format: audio.sampleRate % 2 ? 'wav' : 'flac', sampleRate: 22050, bitDepth: 16, name: id },
            exportBundle: bundleArgs(audio, uniq, id),
          };
          let env: Envelope<unknown> = await real[name](args[name], ctx);
          if (env.ok && name === 'startConversion') env = await settle((env.result as { jobId: string }).jobId);
          const outcome = env.ok ? 'ok' : env.error.code;
          seen.set(`${name}:${outcome}`, (seen.get(`${name}:${outcome}`) ?? 0) + 1);
          if (!env.ok) expect(EXPECTED.has(env.error.code), `${name} -> ${env.error.code}: ${env.error.message}`).toBe(true);
        },
      ),
      { numRuns: 400, seed: SEED },
    );
    console.log(`[contract] real service outcomes: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
  });
});
