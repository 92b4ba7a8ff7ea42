import { describe, expect, it } from 'vitest';
import type { VoiceInfo } from '../../src/api/types';
import { blendLabel, blendPosition, blendShortName, mixForRequest, normalizeWeights } from './blend';

const voice = (id: string, name: string, map: [number, number]): VoiceInfo => ({ id, name, kind: 'builtin', licence: 'BSD', map, hasPreview: false });
const voices = [voice('a', 'Alice', [1, 0]), voice('b', 'Bob', [-1, 0]), voice('c', 'Cy', [0, 1])];

describe('blend weights', () => {
  it('normalizes to a sum of 1', () => {
    const n = normalizeWeights([{ voiceId: 'a', weight: 3 }, { voiceId: 'b', weight: 1 }]);
    expect(n.map((m) => m.weight)).toEqual([0.75, 0.25]);
  });

  it('treats negative and non-finite weights as 0 and all-zero as equal shares', () => {
    expect(normalizeWeights([{ voiceId: 'a', weight: -1 }, { voiceId: 'b', weight: Number.NaN }]).map((m) => m.weight)).toEqual([0.5, 0.5]);
    expect(normalizeWeights([{ voiceId: 'a', weight: -1 }, { voiceId: 'b', weight: 2 }]).map((m) => m.weight)).toEqual([0, 1]);
    expect(normalizeWeights([])).toEqual([]);
  });

  it('drops zero weights and merges duplicates for the request', () => {
    expect(mixForRequest([{ voiceId: 'a', weight: 1 }, { voiceId: 'b', weight: 0 }, { voiceId: 'a', weight: 1 }])).toEqual([{ voiceId: 'a', weight: 1 }]);
  });
});

describe('blend on the map', () => {
  it('sits at the weighted mean of its voices', () => {
    const [x, y] = blendPosition([{ voiceId: 'a', weight: 1 }, { voiceId: 'b', weight: 1 }, { voiceId: 'c', weight: 2 }], voices)!;
    expect(x).toBeCloseTo(0);
    expect(y).toBeCloseTo(0.5);
    expect(blendPosition([{ voiceId: 'zz', weight: 1 }], voices)).toBeNull();
  });

  it('labels single voices and blends', () => {
    expect(blendLabel([{ voiceId: 'a', weight: 5 }], voices)).toBe('Alice');
    expect(blendLabel([{ voiceId: 'a', weight: 3 }, { voiceId: 'b', weight: 1 }], voices)).toBe('75% Alice + 25% Bob');
    expect(blendShortName([{ voiceId: 'a', weight: 3 }, { voiceId: 'b', weight: 1 }], voices)).toBe('Alice-Bob-blend');
  });
});
