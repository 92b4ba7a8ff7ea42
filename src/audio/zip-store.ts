// A minimal store-only ZIP writer (no compression, CRC-32 per entry, central directory). Why it exists:
// the app's comparison bundle is one .zip download or save; WAV and PNG hardly compress further, and
// writing the format by hand avoids a new dependency. No ZIP64: the total must stay under 4 GiB.
import { crc32 } from './crc32.js';

/** One file in the archive. */
export interface ZipEntry {
  /** Path inside the archive: ASCII letters, digits, . _ - and /, no leading slash or "..". */
  name: string;
  bytes: Uint8Array;
}

/** Largest archive this writer produces (no ZIP64). */
export const MAX_ZIP_BYTES = 0xffffffff - 1;

const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // 1980-01-01: fixed, so the same input gives the same bytes

/**
 * Builds a store-only ZIP archive.
 * @throws RangeError for a bad entry name, a duplicate, or an archive over 4 GiB
 */
export function createZip(entries: ZipEntry[]): Uint8Array {
  const names = new Set<string>();
  const enc = new TextEncoder();
  const locals: { name: Uint8Array; crc: number; size: number; offset: number }[] = [];
  let offset = 0;
  for (const e of entries) {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(e.name) || e.name.split('/').some((p) => p === '..' || p === '.')) {
      throw new RangeError(`ZIP entry name "${e.name}" is not allowed.`);
    }
    if (names.has(e.name)) throw new RangeError(`ZIP entry "${e.name}" is listed twice.`);
    names.add(e.name);
    const name = enc.encode(e.name);
    locals.push({ name, crc: crc32(e.bytes), size: e.bytes.length, offset });
    offset += 30 + name.length + e.bytes.length;
  }
  const centralSize = locals.reduce((n, l) => n + 46 + l.name.length, 0);
  const total = offset + centralSize + 22;
  if (total > MAX_ZIP_BYTES || entries.length > 0xffff) throw new RangeError('The archive would exceed 4 GiB or 65535 entries.');
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const l = locals[i];
    let p = l.offset;
    v.setUint32(p, 0x04034b50, true);
    v.setUint16(p + 4, 20, true); // version needed
    v.setUint16(p + 6, 0, true); // flags
    v.setUint16(p + 8, 0, true); // method: store
    v.setUint16(p + 10, 0, true); // time
    v.setUint16(p + 12, DOS_DATE_1980, true);
    v.setUint32(p + 14, l.crc, true);
    v.setUint32(p + 18, l.size, true);
    v.setUint32(p + 22, l.size, true);
    v.setUint16(p + 26, l.name.length, true);
    v.setUint16(p + 28, 0, true);
    out.set(l.name, p + 30);
    out.set(e.bytes, p + 30 + l.name.length);
  });
  let p = offset;
  for (const l of locals) {
    v.setUint32(p, 0x02014b50, true);
    v.setUint16(p + 4, 20, true); // made by
    v.setUint16(p + 6, 20, true); // needed
    v.setUint16(p + 8, 0, true);
    v.setUint16(p + 10, 0, true);
    v.setUint16(p + 12, 0, true);
    v.setUint16(p + 14, DOS_DATE_1980, true);
    v.setUint32(p + 16, l.crc, true);
    v.setUint32(p + 20, l.size, true);
    v.setUint32(p + 24, l.size, true);
    v.setUint16(p + 28, l.name.length, true);
    // extra, comment, disk, internal attrs = 0; external attrs 0
    v.setUint32(p + 42, l.offset, true);
    out.set(l.name, p + 46);
    p += 46 + l.name.length;
  }
  v.setUint32(p, 0x06054b50, true);
  v.setUint16(p + 8, locals.length, true);
  v.setUint16(p + 10, locals.length, true);
  v.setUint32(p + 12, centralSize, true);
  v.setUint32(p + 16, offset, true);
  return out;
}

/**
 * Reads a store-only archive back through its central directory, checking each CRC (tests and the
 * e2e spec use it; not a general ZIP reader).
 * @throws Error for anything this writer would not have produced
 */
export function readStoredZip(zip: Uint8Array): ZipEntry[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  if (eocd < 0 || v.getUint32(eocd, true) !== 0x06054b50) throw new Error('No end-of-central-directory record.');
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const dec = new TextDecoder();
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (v.getUint32(p, true) !== 0x02014b50) throw new Error(`Bad central directory entry ${i}.`);
    if (v.getUint16(p + 10, true) !== 0) throw new Error('Compressed entry.');
    const crc = v.getUint32(p + 16, true);
    const size = v.getUint32(p + 20, true);
    const nameLen = v.getUint16(p + 28, true);
    const extra = v.getUint16(p + 30, true);
    const comment = v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const name = dec.decode(zip.subarray(p + 46, p + 46 + nameLen));
    if (v.getUint32(local, true) !== 0x04034b50) throw new Error(`Bad local header for ${name}.`);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    const bytes = zip.subarray(start, start + size);
    if (crc32(bytes) !== crc) throw new Error(`CRC mismatch in ${name}.`);
    out.push({ name, bytes });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}
