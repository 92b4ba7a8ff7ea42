// Naming a voice on the command line: ids, and display names case-insensitively when unambiguous.
import { describe, expect, it } from 'vitest';
import type { VoiceInfo } from './api/types.js';
import { findVoice } from './find-voice.js';

const v = (id: string, name: string): VoiceInfo => ({ id, name, kind: 'builtin', licence: 'test', map: [0, 0], hasPreview: false });
const voices = [v('tts-one', 'BDL'), v('tts-two', 'Alan High'), v('user-1', 'Ana'), v('user-2', 'ana'), v('Mixed-ID', 'Other')];

describe('findVoice', () => {
  it('finds by id, then id in any case, then a unique display name in any case', () => {
    expect(findVoice(voices, 'tts-one')?.id).toBe('tts-one');
    expect(findVoice(voices, 'mixed-id')?.id).toBe('Mixed-ID');
    expect(findVoice(voices, 'bdl')?.id).toBe('tts-one');
    expect(findVoice(voices, 'ALAN HIGH')?.id).toBe('tts-two');
    expect(findVoice(voices, '  Alan High ')?.id).toBe('tts-two');
  });

  it('returns nothing for an unknown name and refuses an ambiguous one with the ids', () => {
    expect(findVoice(voices, 'nobody')).toBeUndefined();
    expect(findVoice(voices, '')).toBeUndefined();
    expect(() => findVoice(voices, 'ANA')).toThrow(/names 2 voices \(user-1, user-2\); give the id/);
  });
});
