import { describe, expect, it } from 'vitest';
import { createHandlerTable, type ApiImplementation } from './handlers.js';
import { CALL_NAMES } from './types.js';
import { safeFileStem, validators } from './validate.js';

const tone = (n = 1600, rate = 16000) => ({ sampleRate: rate, channels: [new Float32Array(n).fill(0.1)] });

function expectInvalid(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected the validator to reject the input');
}

describe('argument validation', () => {
  it('accepts a well-formed conversion request and returns a clean copy', () => {
    const req = validators.startConversion({ source: tone(), target: { mix: [{ voiceId: 'cathy', weight: 1 }] }, pitchSemitones: -3 });
    expect(req.target).toEqual({ mix: [{ voiceId: 'cathy', weight: 1 }] });
    expect(req.pitchSemitones).toBe(-3);
    expect(req.variant).toBeUndefined();
  });

  it('takes a one-shot reference recording as the target instead of a mix, never both', () => {
    const ref = tone(16000 * 4);
    const req = validators.startConversion({ source: tone(), target: { reference: ref } });
    expect(req.target).toEqual({ reference: ref });
    expectInvalid(() => validators.startConversion({ source: tone(), target: { reference: ref, mix: [{ voiceId: 'cathy', weight: 1 }] } }), /not both/);
    expectInvalid(() => validators.startConversion({ source: tone(), target: { reference: { sampleRate: 16000, channels: [] } } }), /Reference audio/);
    expectInvalid(() => validators.startConversion({ source: tone(), target: { reference: { sampleRate: 16000, channels: [new Float32Array([NaN])] } } }), /Reference audio contains samples that are not finite/);
    expectInvalid(() => validators.startConversion({ source: tone(), target: { reference: 'voice.wav' } }), /Reference audio must be an object/);
    expectInvalid(() => validators.startConversion({ source: tone(), target: {} }), /Pick at least one target voice/);
    expectInvalid(() => validators.startConversion({ source: tone(), target: { voice: 'x' } }), /unknown field "voice"/);
  });

  it('passes the content variant through and refuses anything but continuous or vq', () => {
    const mix = { mix: [{ voiceId: 'cathy', weight: 1 }] };
    expect(validators.startConversion({ source: tone(), target: mix, variant: 'vq' }).variant).toBe('vq');
    expect(validators.startConversion({ source: tone(), target: mix, variant: 'continuous' }).variant).toBe('continuous');
    expectInvalid(() => validators.startConversion({ source: tone(), target: mix, variant: 'VQ' }), /continuous.*vq/);
    expectInvalid(() => validators.startConversion({ source: tone(), target: mix, variant: 1 }), /continuous.*vq/);
  });

  it('rejects audio that is empty, not float32, ragged, non-finite or at an absurd rate', () => {
    expectInvalid(() => validators.analyze({ audio: { sampleRate: 16000, channels: [new Float32Array(0)] } }), /empty/);
    expectInvalid(() => validators.analyze({ audio: { sampleRate: 16000, channels: [[0.1, 0.2]] } }), /Float32Array/);
    expectInvalid(
      () => validators.analyze({ audio: { sampleRate: 16000, channels: [new Float32Array(4), new Float32Array(5)] } }),
      /same length/,
    );
    expectInvalid(() => validators.analyze({ audio: { sampleRate: 16000, channels: [Float32Array.of(0, NaN)] } }), /finite/);
    expectInvalid(() => validators.analyze({ audio: { sampleRate: 1e9, channels: [new Float32Array(4)] } }), /between/);
    expectInvalid(() => validators.analyze({ audio: { sampleRate: 16000, channels: [] } }), /channels/);
  });

  it('rejects unknown fields, missing voices, duplicate voices and out-of-range pitch', () => {
    expectInvalid(() => validators.startConversion({ source: tone(), target: { mix: [] } }), /at least one/);
    expectInvalid(
      () => validators.startConversion({ source: tone(), target: { mix: [{ voiceId: 'a', weight: 1 }, { voiceId: 'a', weight: 1 }] } }),
      /twice/,
    );
    expectInvalid(
      () => validators.startConversion({ source: tone(), target: { mix: [{ voiceId: 'a', weight: 0 }] } }),
      /above zero/,
    );
    expectInvalid(
      () => validators.startConversion({ source: tone(), target: { mix: [{ voiceId: 'a', weight: 1 }] }, pitchSemitones: 99 }),
      /between/,
    );
    expectInvalid(() => validators.getJob({ jobId: 'x', extra: 1 }), /unknown field "extra"/);
    expectInvalid(() => validators.deleteVoice({ id: '../../etc/passwd' }), /only letters/);
    expectInvalid(() => validators.version({ anything: 1 }), /no arguments/);
  });

  it('rejects bad names and export settings', () => {
    expectInvalid(() => validators.enrollVoice({ name: '   ', audio: tone() }), /empty/);
    expectInvalid(() => validators.renameVoice({ id: 'v1', name: 'x'.repeat(500) }), /at most/);
    expectInvalid(() => validators.renameVoice({ id: 'v1', name: 'bad\u0000name' }), /control/);
    const base = { audio: tone(), format: 'wav', sampleRate: 44100, bitDepth: 16, name: 'clip' };
    expectInvalid(() => validators.exportClip({ ...base, format: 'mp3' }), /wav/);
    expectInvalid(() => validators.exportClip({ ...base, sampleRate: 12345 }), /sample rate/);
    expectInvalid(() => validators.exportClip({ ...base, format: 'flac', bitDepth: 32 }), /FLAC/);
  });

  it('turns any export name into a plain file stem without directories', () => {
    expect(safeFileStem('../../etc/passwd')).toBe('etc_passwd');
    expect(safeFileStem('my clip.wav')).toBe('my clip');
    expect(safeFileStem('C:\\Windows\\evil')).toBe('C_Windows_evil');
    expect(safeFileStem('....')).toBe('converted');
    expect(validators.exportClip({ audio: tone(), format: 'flac', sampleRate: 48000, bitDepth: 24, name: '/tmp/../x' }).name).toBe('tmp_x');
  });
});

describe('handler table', () => {
  const impl = Object.fromEntries(
    CALL_NAMES.map((n) => [n, async () => ({ called: n })]),
  ) as unknown as ApiImplementation;
  impl.listVoices = async () => {
    throw new Error('/secret/path leaked');
  };
  const table = createHandlerTable(impl);

  it('validates before calling and returns errors as envelopes', async () => {
    const bad = await table.getJob({ jobId: 42 }, { transport: 'direct' });
    expect(bad).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'Job id must be text.' } });
    const good = await table.getJob({ jobId: 'job-1' }, { transport: 'direct' });
    expect(good).toEqual({ ok: true, result: { called: 'getJob' } });
  });

  it('does not leak internal error details', async () => {
    const res = await table.listVoices(undefined, { transport: 'direct' });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('INTERNAL');
      expect(res.error.message).not.toContain('/secret');
    }
  });
});
