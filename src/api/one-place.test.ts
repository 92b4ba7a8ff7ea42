// Issue 15, "one concept, one place": the export-format table, the file-name sanitiser and the pitch
// range are each defined once and every reader agrees with that definition.
import { describe, expect, it } from 'vitest';
import { encodeClip } from '../engine/export.js';
import { isReservedFileName, safeFileStem } from './file-names.js';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, PITCH_RANGE_SEMITONES } from './types.js';
import { LIMITS, validators } from './validate.js';

const tone = (n = 1600, rate = 16000) => ({ sampleRate: rate, channels: [new Float32Array(n).fill(0.1)] });

describe('export-format table', () => {
  it('validation accepts exactly the combinations the table lists', () => {
    for (const format of ['wav', 'flac', 'mp3']) {
      for (const sampleRate of [8000, 16000, 22050, 44100, 48000, 96000]) {
        for (const bitDepth of [8, 16, 24, 32]) {
          const spec = EXPORT_FORMATS[format as keyof typeof EXPORT_FORMATS];
          const listed = !!spec && (spec.sampleRates as readonly number[]).includes(sampleRate) && (spec.bitDepths as readonly number[]).includes(bitDepth);
          const run = () => validators.exportClip({ audio: tone(), format, sampleRate, bitDepth, name: 'x' });
          if (listed) expect(run(), `${format} ${sampleRate} ${bitDepth}`).toMatchObject({ format, sampleRate, bitDepth });
          else expect(run, `${format} ${sampleRate} ${bitDepth}`).toThrow();
        }
      }
    }
  });

  it('the encoder names the file with the table\'s extension and refuses depths the format lacks', async () => {
    for (const format of EXPORT_FORMAT_NAMES) {
      const clip = await encodeClip(tone(), { format, sampleRate: 16000, bitDepth: 16, name: 'x' });
      expect(clip.fileName).toBe(`x.${EXPORT_FORMATS[format].extension}`);
    }
    await expect(encodeClip(tone(), { format: 'flac', sampleRate: 16000, bitDepth: 32, name: 'x' })).rejects.toThrow(/FLAC supports 16 or 24/);
  });

  it('has a mime type, an extension and at least one depth and rate per format', () => {
    for (const f of EXPORT_FORMAT_NAMES) {
      const spec = EXPORT_FORMATS[f];
      expect(spec.mime).toMatch(/^audio\//);
      expect(spec.extension).toMatch(/^[a-z0-9]+$/);
      expect(spec.bitDepths.length).toBeGreaterThan(0);
      expect(spec.sampleRates.length).toBeGreaterThan(0);
    }
  });
});

describe('file-name sanitiser', () => {
  it('never returns a Windows device name, with or without extension or case', () => {
    for (const n of ['CON', 'con', 'PRN', 'Aux', 'NUL', 'nul.wav', 'COM1', 'com9.flac', 'LPT1', 'lpt9', ' con ', 'CON.', 'con.txt']) {
      const stem = safeFileStem(n);
      expect(isReservedFileName(stem), `${n} -> ${stem}`).toBe(false);
    }
    expect(safeFileStem('CON')).toBe('converted');
    expect(safeFileStem('nul.wav', { fallback: 'clip' })).toBe('clip');
    // Names that merely start with a device name are fine.
    expect(safeFileStem('console')).toBe('console');
    expect(safeFileStem('COM10')).toBe('COM10');
  });

  it('the API applies it: a device name sent as an export name is replaced', () => {
    expect(validators.exportClip({ audio: tone(), format: 'wav', sampleRate: 16000, bitDepth: 16, name: 'AUX' }).name).toBe('converted');
    expect(validators.exportBundle).toBeTypeOf('function');
  });

  it('folds accents and keeps the other rules', () => {
    expect(safeFileStem('Café Ünïcode?')).toBe('Cafe Unicode');
    expect(safeFileStem('../../etc/passwd')).toBe('etc_passwd');
    expect(safeFileStem('x'.repeat(200)).length).toBe(80);
    expect(safeFileStem('a'.repeat(40), { maxLength: 36 }).length).toBe(36);
  });
});

describe('pitch range', () => {
  it('is one constant: the API accepts its ends and refuses beyond', () => {
    expect(LIMITS.maxPitchSemitones).toBe(PITCH_RANGE_SEMITONES);
    const req = (pitchSemitones: number) => ({ source: tone(), target: { mix: [{ voiceId: 'v', weight: 1 }] }, pitchSemitones });
    expect(validators.startConversion(req(PITCH_RANGE_SEMITONES)).pitchSemitones).toBe(PITCH_RANGE_SEMITONES);
    expect(validators.startConversion(req(-PITCH_RANGE_SEMITONES)).pitchSemitones).toBe(-PITCH_RANGE_SEMITONES);
    expect(() => validators.startConversion(req(PITCH_RANGE_SEMITONES + 1))).toThrow(/Pitch/);
  });
});
