// The store-only ZIP writer: parsed back through its central directory (offsets, sizes, CRCs), and
// cross-checked by hand against the local headers, so any unzip tool reads what the app saves.
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { createZip, readStoredZip } from './zip-store';

describe('createZip', () => {
  it('writes entries a central-directory reader gets back with matching CRCs', () => {
    const entries = [
      { name: 'source.wav', bytes: new Uint8Array(1000).map((_, i) => i % 251) },
      { name: 'metrics.json', bytes: new TextEncoder().encode('{"a":1}\n') },
      { name: 'empty.txt', bytes: new Uint8Array(0) },
    ];
    const zip = createZip(entries);
    const v = new DataView(zip.buffer);
    // End of central directory: count and where the directory starts.
    const eocd = zip.length - 22;
    expect(v.getUint32(eocd, true)).toBe(0x06054b50);
    expect(v.getUint16(eocd + 10, true)).toBe(3);
    const back = readStoredZip(zip);
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect(e.bytes).toEqual(entries[i].bytes));
    // First local header by hand: store method, CRC and sizes.
    expect(v.getUint32(0, true)).toBe(0x04034b50);
    expect(v.getUint16(8, true)).toBe(0);
    expect(v.getUint32(14, true)).toBe(crc32(entries[0].bytes));
    expect(v.getUint32(18, true)).toBe(1000);
  });

  it('detects a corrupted entry through its CRC', () => {
    const zip = createZip([{ name: 'a.bin', bytes: new Uint8Array([1, 2, 3, 4]) }]);
    zip[30 + 5] ^= 0xff;
    expect(() => readStoredZip(zip)).toThrow(/CRC/);
  });

  it('refuses unsafe or duplicate names', () => {
    expect(() => createZip([{ name: '../x', bytes: new Uint8Array(1) }])).toThrow(RangeError);
    expect(() => createZip([{ name: '/abs', bytes: new Uint8Array(1) }])).toThrow(RangeError);
    const one = { name: 'a', bytes: new Uint8Array(1) };
    expect(() => createZip([one, one])).toThrow(/twice/);
  });
});
