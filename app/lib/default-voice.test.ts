// The default target voice's rule on synthetic voice lists (src/demo-default.test.ts runs it on the
// shipped model's own list, with a real conversion of the demo clip).
import { describe, expect, it } from 'vitest';
import type { VoiceInfo } from '../../src/api/types';
import { contrastingVoice, type SpeakerTraits } from './default-voice';

function voice(id: string, gender: VoiceInfo['gender'], meanF0Hz: number, map: [number, number], kind: VoiceInfo['kind'] = 'builtin'): VoiceInfo {
  return { id, name: id.toUpperCase(), kind, licence: 'test', gender, meanF0Hz, map, hasPreview: false };
}

describe('contrastingVoice', () => {
  const female: SpeakerTraits = { gender: 'female', meanF0Hz: 160 };

  it('picks the other gender, far in pitch, farthest from the speaker gender on the map', () => {
    const voices = [
      voice('f1', 'female', 170, [0.5, 0.5]),
      voice('f2', 'female', 180, [0.3, 0.7]),
      voice('m-near', 'male', 110, [0.2, 0.3]),
      voice('m-far', 'male', 105, [-0.8, -0.9]),
      voice('m-high', 'male', 150, [-1, -1]), // farthest, but less than 3 semitones below 160 Hz
      voice('mine', 'male', 90, [-1, -1], 'enrolled'),
    ];
    expect(contrastingVoice(voices, female)?.id).toBe('m-far');
    expect(contrastingVoice(voices, { gender: 'male', meanF0Hz: 110 })?.id).toBe('f2');
  });

  it('relaxes the pitch rule, then the gender rule (keeping the pitch rule), and never picks an enrolled voice', () => {
    expect(contrastingVoice([voice('f1', 'female', 170, [0, 0]), voice('m1', 'male', 150, [1, 0])], female)?.id).toBe('m1');
    expect(contrastingVoice([voice('f1', 'female', 170, [0.9, 0.9]), voice('f2', 'female', 205, [0, 0]), voice('f3', 'female', 150, [0.1, 0.1])], female)?.id).toBe('f2');
    expect(contrastingVoice([voice('mine', 'male', 100, [1, 1], 'enrolled')], female)).toBeNull();
    expect(contrastingVoice([], female)).toBeNull();
  });
});
