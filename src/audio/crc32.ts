// CRC-32 (IEEE 802.3, the polynomial of PNG chunks and ZIP entries). Why it exists: the comparison
// bundle writes PNG and ZIP files by hand (no new dependency), and both formats checksum with it.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 of `bytes`, continuing from `crc` (pass a previous result to checksum data in pieces).
 * @returns the unsigned 32-bit checksum
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
