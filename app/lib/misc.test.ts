import { describe, expect, it } from 'vitest';
import { codedError, toPlainError } from './errors';
import { JOB_STAGES, PIPELINE_STAGES, STAGE_LABELS } from '../../src/api/types';
import { formatClock, rmsToMeter, stageLabel } from './format';
import { shortcutFor } from './shortcuts';

describe('shortcuts', () => {
  it('maps R, Space and B outside text fields', () => {
    expect(shortcutFor({ key: 'r', targetTag: 'BODY' })).toBe('record');
    expect(shortcutFor({ key: 'R', targetTag: 'BODY' })).toBe('record');
    expect(shortcutFor({ key: ' ', code: 'Space', targetTag: 'DIV' })).toBe('playPause');
    expect(shortcutFor({ key: 'b', targetTag: 'INPUT', targetType: 'range' })).toBe('toggleAB');
  });

  it('stays out of the way while typing, with modifiers and on repeat', () => {
    expect(shortcutFor({ key: 'r', targetTag: 'INPUT', targetType: 'text' })).toBeNull();
    expect(shortcutFor({ key: 'b', targetTag: 'TEXTAREA' })).toBeNull();
    expect(shortcutFor({ key: 'b', targetTag: 'DIV', targetEditable: true })).toBeNull();
    expect(shortcutFor({ key: 'r', ctrlKey: true, targetTag: 'BODY' })).toBeNull();
    expect(shortcutFor({ key: 'r', repeat: true, targetTag: 'BODY' })).toBeNull();
    expect(shortcutFor({ key: ' ', targetTag: 'INPUT', targetType: 'checkbox', targetFocusVisible: true })).toBeNull();
    // A checkbox that kept focus after a click: Space plays rather than toggling it.
    expect(shortcutFor({ key: ' ', targetTag: 'INPUT', targetType: 'checkbox', targetFocusVisible: false })).toBe('playPause');
    expect(shortcutFor({ key: ' ', targetTag: 'BUTTON' })).toBe('playPause');
  });
});

describe('plain errors', () => {
  it("says an engine error's own message once, with a next step only where it adds one", () => {
    const e = toPlainError(Object.assign(new Error('Voice "x" was not found.'), { code: 'NOT_FOUND' }));
    expect(e).toEqual({ title: '', detail: 'Voice "x" was not found.', next: expect.stringMatching(/voice list was refreshed/) });
    const bad = toPlainError(Object.assign(new Error('--pitch must be a number between -24 and 24'), { code: 'INVALID_ARGUMENT' }));
    expect(bad).toEqual({ title: '', detail: '--pitch must be a number between -24 and 24', next: '' });
    const audio = toPlainError(Object.assign(new Error('The reference is too short (1.6 s): it needs 3 to 30 seconds of speech.'), { code: 'BAD_AUDIO' }));
    expect(`${audio.title}${audio.next}`).toBe('');
  });

  it('uses a heading for browser exceptions, local codes and engine errors without a message', () => {
    const dom = Object.assign(new Error('EncodingError'), { code: 0 });
    expect(toPlainError(dom, 'DECODE').title).toBe('This file could not be read as audio');
    expect(toPlainError(codedError('MIC', 'denied')).next).toMatch(/microphone/);
    expect(toPlainError('boom').title).toBe('Unexpected error');
    expect(toPlainError(Object.assign(new Error(''), { code: 'BAD_AUDIO' })).title).toBe('The audio cannot be used');
  });
});

describe('formatting', () => {
  it('labels every stage of the one stage vocabulary from its table', () => {
    for (const s of JOB_STAGES) expect(stageLabel(s)).toBe(STAGE_LABELS[s]);
    expect(JOB_STAGES.filter((s) => (PIPELINE_STAGES as readonly string[]).includes(s))).toEqual([...PIPELINE_STAGES]);
  });
  it('formats clock, stage names and meter levels', () => {
    expect(formatClock(7.34)).toBe('0:07.3');
    expect(formatClock(75)).toBe('1:15.0');
    expect(stageLabel('content_encoder')).toBe('Content encoder');
    expect(stageLabel('griffinLim')).toBe('Griffin lim');
    expect(stageLabel('vocoder')).toBe('Vocoder');
    expect(rmsToMeter(1)).toBe(1);
    expect(rmsToMeter(0.001)).toBe(0);
    expect(rmsToMeter(0.1)).toBeCloseTo(2 / 3);
  });
});
