// Voice map labels do not overlap when there is room, and stay inside the map.
import { describe, expect, it } from 'vitest';
import { placeLabels } from './map-labels';

describe('placeLabels', () => {
  it('puts a label right of its dot, or left near the right edge', () => {
    expect(placeLabels([{ id: 'a', x: 50, y: 50, text: 'Alpha' }], 300)[0]).toMatchObject({ anchor: 'start', x: 59 });
    expect(placeLabels([{ id: 'a', x: 290, y: 50, text: 'Alpha' }], 300)[0]).toMatchObject({ anchor: 'end', x: 281 });
  });

  it('moves the second of two close labels to another side', () => {
    const [a, b] = placeLabels([{ id: 'a', x: 100, y: 100, text: 'Alpha Voice' }, { id: 'b', x: 104, y: 103, text: 'Beta Voice' }], 300);
    expect(a.anchor).toBe('start');
    expect(b.anchor).not.toBe('start');
  });

  it('gives every label a place even when all sides are taken', () => {
    const crowd = Array.from({ length: 8 }, (_, i) => ({ id: String(i), x: 150, y: 150, text: `Voice ${i}` }));
    expect(placeLabels(crowd, 300)).toHaveLength(8);
  });
});
