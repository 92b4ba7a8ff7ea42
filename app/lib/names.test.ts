import { describe, expect, it } from 'vitest';
import { safeStem, suggestExportName, withExtension } from './names';

describe('export file names', () => {
  it('suggests "<source>-as-<voice>"', () => {
    expect(suggestExportName('My Take.wav', 'Sally')).toBe('my-take-as-sally');
    expect(suggestExportName('recording-101500', 'angus-sally-blend')).toBe('recording-101500-as-angus-sally-blend');
  });

  it('makes names safe for every file system', () => {
    expect(safeStem('../../etc/passwd')).toBe('etc-passwd');
    expect(safeStem('Café Ünïcode?.mp3')).toBe('cafe-unicode');
    expect(safeStem('CON.wav')).toBe('clip');
    expect(safeStem('...')).toBe('clip');
    expect(safeStem('a'.repeat(100))).toHaveLength(36);
    expect(suggestExportName('s'.repeat(200), 'v'.repeat(200)).length).toBeLessThanOrEqual(80);
    expect(suggestExportName('', '')).toBe('clip-as-voice');
  });

  it('sets the extension from the format', () => {
    expect(withExtension('x-as-y', 'flac')).toBe('x-as-y.flac');
    expect(withExtension('x-as-y.wav', 'flac')).toBe('x-as-y.flac');
  });
});

describe('one sanitiser (issue 15)', () => {
  it('rejects every Windows device name, also once hyphenated', () => {
    for (const n of ['CON', 'prn.mp3', 'AUX', 'nul', 'COM1', 'com9', 'LPT1', 'lpt9.wav', 'con_', ' nul ']) {
      expect(safeStem(n), n).toBe('clip');
    }
    expect(suggestExportName('COM3.wav', 'NUL')).toBe('clip-as-voice');
  });
});
