// Searching and grouping the voice list.
import { describe, expect, it } from 'vitest';
import type { VoiceInfo } from '../../src/api/types';
import { groupByGender, searchVoices } from './voice-groups';

const v = (id: string, name: string, gender: VoiceInfo['gender'], meanF0Hz?: number): VoiceInfo => ({ id, name, kind: 'builtin', licence: 't', gender, meanF0Hz, map: [0, 0], hasPreview: false });
const voices = [v('tts-a', 'Alpha High', 'male', 160), v('tts-b', 'Beta', 'female', 180), v('tts-c', 'Gamma', 'male', 100), v('x-d', 'Delta', 'unknown'), v('tts-e', 'Epsilon', 'female', 150)];
const ids = (list: VoiceInfo[]): string[] => list.map((x) => x.id);

describe('searchVoices', () => {
  it('matches name or id parts in any case, every word', () => {
    expect(ids(searchVoices(voices, 'alpha'))).toEqual(['tts-a']);
    expect(ids(searchVoices(voices, 'X-D'))).toEqual(['x-d']);
    expect(ids(searchVoices(voices, 'tts high'))).toEqual(['tts-a']);
    expect(searchVoices(voices, '  ')).toHaveLength(voices.length);
    expect(searchVoices(voices, 'nobody')).toEqual([]);
  });

  it('takes "male" and "female" as the gender, not as a substring', () => {
    expect(ids(searchVoices(voices, 'male'))).toEqual(['tts-a', 'tts-c']);
    expect(ids(searchVoices(voices, 'Female'))).toEqual(['tts-b', 'tts-e']);
  });
});

describe('groupByGender', () => {
  it('groups female, male, other, each from the lowest pitch up, and drops empty groups', () => {
    expect(groupByGender(voices).map(([t, l]) => [t, ids(l)])).toEqual([
      ['Female', ['tts-e', 'tts-b']],
      ['Male', ['tts-c', 'tts-a']],
      ['Other', ['x-d']],
    ]);
    expect(groupByGender(voices.filter((x) => x.gender === 'male')).map(([t]) => t)).toEqual(['Male']);
  });
});
