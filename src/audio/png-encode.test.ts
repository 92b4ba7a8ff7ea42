// The hand-written PNG encoder: its output decoded back (signature, chunk CRCs, IHDR, zlib-inflated
// scanlines) must give the pixels that went in.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { encodePngRgb } from './png-encode';

function decode(png: Uint8Array): { width: number; height: number; rgb: Uint8Array; types: string[] } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let p = 8;
  const types: string[] = [];
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (p < png.length) {
    const len = v.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    const data = png.subarray(p + 8, p + 8 + len);
    expect(v.getUint32(p + 8 + len)).toBe(crc32(png.subarray(p + 4, p + 8 + len)));
    types.push(type);
    if (type === 'IHDR') {
      width = v.getUint32(p + 8);
      height = v.getUint32(p + 12);
      expect([...data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    p += 12 + len;
  }
  const raw = new Uint8Array(zlib.inflateSync(Buffer.concat(idat)));
  expect(raw.length).toBe((width * 3 + 1) * height);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0); // filter: none
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, rgb, types };
}

describe('encodePngRgb', () => {
  it('round-trips pixels through zlib with valid chunks', () => {
    const width = 37;
    const height = 11;
    const rgb = new Uint8Array(width * height * 3).map((_, i) => (i * 7919) % 256);
    const back = decode(encodePngRgb(width, height, rgb));
    expect(back.types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([back.width, back.height]).toEqual([width, height]);
    expect(back.rgb).toEqual(rgb);
  });

  it('refuses a wrong pixel count or size', () => {
    expect(() => encodePngRgb(2, 2, new Uint8Array(11))).toThrow(RangeError);
    expect(() => encodePngRgb(0, 2, new Uint8Array(0))).toThrow(RangeError);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
