// The web-mode wire format: a JSON document plus binary blobs, so audio crosses HTTP without base64
// inflation. Pure code (no Node, no DOM) shared by the server and the renderer's web client: it is the
// one definition of this protocol, which is why app/ imports it alongside the types.
//
// Layout: magic "VSW1" | u32 json byte length | json utf-8 | zero padding to 8 | blob bytes...
// In the JSON, a typed array is { "$bin": "f32" | "u8", "o": offset into blob area, "n": byte length }.

const MAGIC = 0x31575356; // "VSW1" little-endian

interface BinRef {
  $bin: 'f32' | 'u8';
  o: number;
  n: number;
}

/** Serializes a value whose leaves may be Float32Array or Uint8Array. */
export function encodeMessage(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  let blobBytes = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Float32Array || v instanceof Uint8Array) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      const ref: BinRef = { $bin: v instanceof Float32Array ? 'f32' : 'u8', o: blobBytes, n: bytes.byteLength };
      blobs.push(bytes);
      blobBytes += pad8(bytes.byteLength);
      return ref;
    }
    return v;
  });
  const text = new TextEncoder().encode(json ?? 'null');
  const head = pad8(8 + text.byteLength);
  const out = new Uint8Array(head + blobBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, text.byteLength, true);
  out.set(text, 8);
  let at = head;
  for (const b of blobs) {
    out.set(b, at);
    at += pad8(b.byteLength);
  }
  return out;
}

/** Parses a message made by encodeMessage; throws an Error with a plain message on malformed input. */
export function decodeMessage(bytes: Uint8Array): unknown {
  if (bytes.byteLength < 8) throw new Error('Malformed message: too short.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('Malformed message: bad magic.');
  const jsonLength = view.getUint32(4, true);
  if (8 + jsonLength > bytes.byteLength) throw new Error('Malformed message: truncated header.');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + jsonLength));
  const blobStart = pad8(8 + jsonLength);
  // encodeMessage never shares blob bytes between references: more referenced bytes than the blob
  // area holds means overlapping references, which would multiply a small body into huge copies.
  let referenced = 0;
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && '$bin' in (v as object)) {
      const ref = v as BinRef;
      if (!Number.isSafeInteger(ref.o) || !Number.isSafeInteger(ref.n) || ref.o < 0 || ref.n < 0) {
        throw new Error('Malformed message: bad blob reference.');
      }
      const start = blobStart + ref.o;
      if (start + ref.n > bytes.byteLength) throw new Error('Malformed message: blob out of range.');
      referenced += ref.n;
      if (referenced > bytes.byteLength - blobStart) throw new Error('Malformed message: blob references overlap.');
      const copy = bytes.slice(start, start + ref.n);
      if (ref.$bin === 'u8') return copy;
      if (ref.$bin === 'f32' && ref.n % 4 === 0) return new Float32Array(copy.buffer, 0, ref.n / 4);
      throw new Error('Malformed message: bad blob type.');
    }
    return v;
  });
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}
