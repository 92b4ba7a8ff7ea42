// Where the voice map writes its names: next to each labelled dot, on the first side (right, left,
// above, below) where the text box overlaps no label placed before it and stays inside the map, so
// close voices (a blend of two neighbours, several enrolled voices) stay readable.

/** A dot to label, in map coordinates. */
export interface LabelRequest {
  id: string;
  x: number;
  y: number;
  text: string;
}

/** Where a label goes: the text's anchor point and alignment. */
export interface PlacedLabel {
  id: string;
  x: number;
  y: number;
  anchor: 'start' | 'end' | 'middle';
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const CHAR_W = 7.5; // map units per character of the label font, a little generous
const LINE_H = 12;
const GAP = 9;

const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Places labels in order (earlier requests win: pass the selected voices first).
 * @param size the map's width and height
 */
export function placeLabels(requests: readonly LabelRequest[], size: number): PlacedLabel[] {
  const placed: Box[] = [];
  return requests.map((r) => {
    const w = r.text.length * CHAR_W;
    const options: [PlacedLabel, Box][] = [
      [{ id: r.id, x: r.x + GAP, y: r.y + 4, anchor: 'start' }, { x0: r.x + GAP, y0: r.y - 8, x1: r.x + GAP + w, y1: r.y + 4 }],
      [{ id: r.id, x: r.x - GAP, y: r.y + 4, anchor: 'end' }, { x0: r.x - GAP - w, y0: r.y - 8, x1: r.x - GAP, y1: r.y + 4 }],
      [{ id: r.id, x: r.x, y: r.y - GAP, anchor: 'middle' }, { x0: r.x - w / 2, y0: r.y - GAP - LINE_H, x1: r.x + w / 2, y1: r.y - GAP }],
      [{ id: r.id, x: r.x, y: r.y + GAP + LINE_H - 2, anchor: 'middle' }, { x0: r.x - w / 2, y0: r.y + GAP, x1: r.x + w / 2, y1: r.y + GAP + LINE_H }],
    ];
    const inside = (b: Box): boolean => b.x0 >= 0 && b.x1 <= size && b.y0 >= 0 && b.y1 <= size;
    const free = options.find(([, b]) => inside(b) && !placed.some((p) => overlaps(p, b)));
    const [label, box] = free ?? options.find(([, b]) => inside(b)) ?? options[0];
    placed.push(box);
    return label;
  });
}
