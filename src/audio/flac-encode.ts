// FLAC encoder: fixed linear predictors (order 0-4, chosen per subframe), partitioned Rice
// coding of the residual (partition order and parameters chosen per subframe), CONSTANT and
// VERBATIM subframes where they are smaller, optional stereo decorrelation (left/side,
// side/right, mid/side), STREAMINFO with min/max frame sizes and the MD5 of the samples.
// Why it exists: exportClip offers lossless FLAC (DESIGN §5) and no FLAC encoder ships as a
// pure npm package; decode.ts reads the result back (tests check bit-exact round trips).

import { createHash } from 'node:crypto';
import { seededRandom } from '../dsp/random';
import { quantize, type PcmAudio } from './wav-encode';

/** FLAC encoding options. */
export interface FlacEncodeOptions {
  /** Bits per sample. Default 16. */
  bitsPerSample?: 16 | 24;
  /** Samples per block (16..65535). Default 4096. */
  blockSize?: number;
  /** Compute the MD5 of the samples for STREAMINFO. Default true. */
  md5?: boolean;
  /** Try left/side, side/right and mid/side for stereo. Default true. */
  stereoDecorrelation?: boolean;
  /** Add TPDF dither before quantization. Default false. */
  dither?: boolean;
  /** Highest Rice partition order tried (0..8). Default 6. */
  maxPartitionOrder?: number;
}

class BitWriter {
  buf = new Uint8Array(1 << 16);
  pos = 0; // bytes written completely
  acc = 0; // pending bits (< 32)
  nacc = 0;

  private ensure(extra: number): void {
    if (this.pos + extra + 8 > this.buf.length) {
      let size = this.buf.length * 2;
      while (this.pos + extra + 8 > size) size *= 2;
      const nb = new Uint8Array(size);
      nb.set(this.buf.subarray(0, this.pos));
      this.buf = nb;
    }
  }

  /** Write the low `n` bits of `v` (n <= 24 per call keeps the accumulator exact). */
  private put(v: number, n: number): void {
    this.acc = (this.acc << n) | (v & ((1 << n) - 1));
    this.nacc += n;
    while (this.nacc >= 8) {
      this.nacc -= 8;
      this.buf[this.pos++] = (this.acc >>> this.nacc) & 0xff;
    }
    this.acc &= (1 << this.nacc) - 1;
  }

  bits(v: number, n: number): void {
    this.ensure(8);
    if (n > 24) {
      this.put(Math.floor(v / 2 ** 24) & ((1 << (n - 24)) - 1), n - 24);
      this.put(v & 0xffffff, 24);
    } else if (n > 0) {
      this.put(v, n);
    }
  }

  /** `q` zero bits then a one. */
  unary(q: number): void {
    this.ensure((q >> 3) + 8);
    while (q >= 24) {
      this.put(0, 24);
      q -= 24;
    }
    this.put(1, q + 1);
  }

  /** Pad to a byte boundary with zeros. */
  align(): void {
    if (this.nacc > 0) this.put(0, 8 - this.nacc);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
  let d = i << 8;
  for (let k = 0; k < 8; k++) d = d & 0x8000 ? ((d << 1) ^ 0x8005) & 0xffff : (d << 1) & 0xffff;
  CRC16[i] = d;
}

function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = CRC8[c ^ b[i]];
  return c;
}

function crc16(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b[i]];
  return c;
}

const RATE_CODES: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 };

/** Residual of the fixed predictor of `order` for samples [order, n) into res. */
function fixedResidual(x: Int32Array, n: number, order: number, res: Int32Array): void {
  switch (order) {
    case 0:
      for (let i = 0; i < n; i++) res[i] = x[i];
      break;
    case 1:
      for (let i = 1; i < n; i++) res[i] = x[i] - x[i - 1];
      break;
    case 2:
      for (let i = 2; i < n; i++) res[i] = x[i] - 2 * x[i - 1] + x[i - 2];
      break;
    case 3:
      for (let i = 3; i < n; i++) res[i] = x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3];
      break;
    default:
      for (let i = 4; i < n; i++) res[i] = x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
  }
}

interface RicePlan {
  bits: number;
  partitionOrder: number;
  params: Int32Array;
}

/** Choose the partition order and Rice parameters minimising the estimated size. */
function planRice(res: Int32Array, n: number, order: number, maxPo: number, maxParam: number): RicePlan {
  let best: RicePlan | null = null;
  let po = 0;
  while (po < maxPo && n % (2 << po) === 0 && n >> (po + 1) > order) po++;
  for (let p = po; p >= 0; p--) {
    const parts = 1 << p;
    const len = n >> p;
    const params = new Int32Array(parts);
    let bits = 0;
    let idx = order;
    for (let k = 0; k < parts; k++) {
      const end = (k + 1) * len;
      const cnt = end - idx;
      let sum = 0;
      for (; idx < end; idx++) {
        const r = res[idx];
        sum += r >= 0 ? 2 * r : -2 * r - 1;
      }
      // estimate: cnt * (k + 1) + sum >> k; search around log2(mean)
      let bestK = 0;
      let bestBits = Infinity;
      const guess = cnt > 0 && sum > cnt ? Math.floor(Math.log2(sum / cnt)) : 0;
      for (let kk = Math.max(0, guess - 1); kk <= Math.min(maxParam, guess + 1); kk++) {
        const b = cnt * (kk + 1) + Math.floor(sum / 2 ** kk);
        if (b < bestBits) {
          bestBits = b;
          bestK = kk;
        }
      }
      params[k] = bestK;
      bits += bestBits + (maxParam > 14 ? 5 : 4);
    }
    if (!best || bits < best.bits) best = { bits, partitionOrder: p, params };
  }
  return best!;
}

function writeSubframe(w: BitWriter, x: Int32Array, n: number, bps: number, maxPo: number, res: Int32Array): void {
  // CONSTANT
  let constant = true;
  for (let i = 1; i < n; i++) {
    if (x[i] !== x[0]) {
      constant = false;
      break;
    }
  }
  if (constant) {
    w.bits(0, 1);
    w.bits(0, 6);
    w.bits(0, 1);
    w.bits(x[0] & (2 ** bps - 1), bps);
    return;
  }
  // choose the fixed order by the sum of |residual| (cheap), then plan its Rice coding
  let bestOrder = 0;
  let bestSum = Infinity;
  for (let order = 0; order <= Math.min(4, n - 1); order++) {
    fixedResidual(x, n, order, res);
    let s = 0;
    for (let i = order; i < n; i++) s += Math.abs(res[i]);
    if (s < bestSum) {
      bestSum = s;
      bestOrder = order;
    }
  }
  fixedResidual(x, n, bestOrder, res);
  const maxParam = bps > 16 ? 30 : 14;
  // a residual may need up to bps + 4 bits; Rice with 5-bit params covers it
  const plan = planRice(res, n, bestOrder, maxPo, maxParam);
  const fixedBits = 8 + bestOrder * bps + 6 + plan.bits;
  const verbatimBits = 8 + n * bps;
  if (fixedBits >= verbatimBits) {
    w.bits(0, 1);
    w.bits(1, 6);
    w.bits(0, 1);
    const mask = 2 ** bps - 1;
    for (let i = 0; i < n; i++) w.bits(x[i] & mask, bps);
    return;
  }
  w.bits(0, 1);
  w.bits(8 | bestOrder, 6);
  w.bits(0, 1);
  const mask = 2 ** bps - 1;
  for (let i = 0; i < bestOrder; i++) w.bits(x[i] & mask, bps);
  const rice2 = maxParam > 14;
  w.bits(rice2 ? 1 : 0, 2);
  w.bits(plan.partitionOrder, 4);
  const parts = 1 << plan.partitionOrder;
  const len = n >> plan.partitionOrder;
  let idx = bestOrder;
  for (let k = 0; k < parts; k++) {
    const kk = plan.params[k];
    w.bits(kk, rice2 ? 5 : 4);
    const end = (k + 1) * len;
    const lowMask = kk > 0 ? 2 ** kk - 1 : 0;
    for (; idx < end; idx++) {
      const r = res[idx];
      const u = r >= 0 ? 2 * r : -2 * r - 1;
      w.unary(Math.floor(u / 2 ** kk));
      if (kk > 0) w.bits(u & lowMask, kk);
    }
  }
}

function utf8Number(v: number): number[] {
  if (v < 0x80) return [v];
  const out: number[] = [];
  let n = 1;
  while (v >= 2 ** (5 * n + 6) && n < 6) n++;
  // n continuation bytes
  for (let i = 0; i < n; i++) {
    out.unshift(0x80 | (v & 0x3f));
    v = Math.floor(v / 64);
  }
  const lead = (0xff << (7 - n)) & 0xff;
  out.unshift(lead | v);
  return out;
}

/**
 * Encode audio (1..8 channels, 1 Hz..655350 Hz) as a FLAC file.
 * @returns the file bytes ("fLaC", STREAMINFO, frames)
 */
export function encodeFlac(audio: PcmAudio, opts: FlacEncodeOptions = {}): Uint8Array {
  const nch = audio.channels.length;
  if (nch < 1 || nch > 8) throw new RangeError(`FLAC supports 1 to 8 channels, got ${nch}`);
  const rate = audio.sampleRate;
  if (!Number.isInteger(rate) || rate < 1 || rate > 655350) throw new RangeError(`FLAC: invalid sample rate ${rate}`);
  const n = audio.channels[0].length;
  for (const c of audio.channels) if (c.length !== n) throw new RangeError('FLAC: channels differ in length');
  const bps = opts.bitsPerSample ?? 16;
  if (bps !== 16 && bps !== 24) throw new RangeError('FLAC: bitsPerSample must be 16 or 24');
  const blockSize = opts.blockSize ?? 4096;
  if (!Number.isInteger(blockSize) || blockSize < 16 || blockSize > 65535) throw new RangeError('FLAC: blockSize must be 16..65535');
  const maxPo = Math.max(0, Math.min(8, opts.maxPartitionOrder ?? 6));
  const decorrelate = (opts.stereoDecorrelation ?? true) && nch === 2;
  const rng = seededRandom(1);
  const ints = audio.channels.map((c) => quantize(c, bps, opts.dither ?? false, rng));

  const w = new BitWriter();
  // header + STREAMINFO (filled at the end)
  for (const ch of 'fLaC') w.bits(ch.charCodeAt(0), 8);
  const siPos = w.pos;
  for (let i = 0; i < 38; i++) w.bits(0, 8);

  const md5 = opts.md5 ?? true ? createHash('md5') : null;
  const bytesPer = bps / 8;
  const x = new Int32Array(blockSize);
  const res = new Int32Array(blockSize);
  const side = new Int32Array(blockSize);
  const mid = new Int32Array(blockSize);
  let minFrame = 0xffffff;
  let maxFrame = 0;
  const rateCode = RATE_CODES[rate] ?? (rate % 1000 === 0 && rate / 1000 < 256 ? 12 : rate < 65536 ? 13 : rate % 10 === 0 && rate / 10 < 65536 ? 14 : 0);
  let frameNo = 0;
  for (let start = 0; start < n; start += blockSize, frameNo++) {
    const len = Math.min(blockSize, n - start);
    if (md5) {
      const buf = Buffer.alloc(len * nch * bytesPer);
      let o = 0;
      for (let i = 0; i < len; i++) {
        for (let c = 0; c < nch; c++) {
          const v = ints[c][start + i];
          if (bytesPer === 2) buf.writeInt16LE(v, o);
          else buf.writeIntLE(v, o, 3);
          o += bytesPer;
        }
      }
      md5.update(buf);
    }
    // channel assignment: choose by trial-encoding the candidates' cost estimate
    let assign = nch - 1; // independent
    if (decorrelate) {
      const l = ints[0].subarray(start, start + len);
      const r = ints[1].subarray(start, start + len);
      for (let i = 0; i < len; i++) {
        side[i] = l[i] - r[i];
        mid[i] = (l[i] + r[i]) >> 1;
      }
      const cost = (a: Int32Array): number => {
        let best = Infinity;
        for (let order = 0; order <= Math.min(4, len - 1); order++) {
          fixedResidual(a, len, order, res);
          let s = 0;
          for (let i = order; i < len; i++) s += Math.abs(res[i]);
          if (s < best) best = s;
        }
        return best;
      };
      const cl = cost(l), cr = cost(r), cs = cost(side.subarray(0, len)), cm = cost(mid.subarray(0, len));
      const options = [
        { a: 1, c: cl + cr },
        { a: 8, c: cl + cs },
        { a: 9, c: cs + cr },
        { a: 10, c: cm + cs },
      ];
      options.sort((p, q) => p.c - q.c);
      assign = options[0].a;
    }
    const frameStart = w.pos;
    w.bits(0xfff8 >> 2, 14); // sync 11111111111110
    w.bits(0, 1); // reserved
    w.bits(0, 1); // fixed block size
    w.bits(7, 4); // block size: 16-bit (len - 1) at header end
    w.bits(rateCode, 4);
    w.bits(assign, 4);
    w.bits(bps === 16 ? 4 : 6, 3);
    w.bits(0, 1);
    for (const byte of utf8Number(frameNo)) w.bits(byte, 8);
    w.bits(len - 1, 16);
    if (rateCode === 12) w.bits(rate / 1000, 8);
    else if (rateCode === 13) w.bits(rate, 16);
    else if (rateCode === 14) w.bits(rate / 10, 16);
    w.bits(crc8(w.buf, frameStart, w.pos), 8);
    for (let c = 0; c < nch; c++) {
      let src: Int32Array;
      let sbps = bps;
      if (assign === 8) {
        src = c === 0 ? ints[0].subarray(start, start + len) : side;
        if (c === 1) sbps = bps + 1;
      } else if (assign === 9) {
        src = c === 0 ? side : ints[1].subarray(start, start + len);
        if (c === 0) sbps = bps + 1;
      } else if (assign === 10) {
        src = c === 0 ? mid : side;
        if (c === 1) sbps = bps + 1;
      } else {
        src = ints[c].subarray(start, start + len);
      }
      for (let i = 0; i < len; i++) x[i] = src[i];
      writeSubframe(w, x, len, sbps, maxPo, res);
    }
    w.align();
    const crc = crc16(w.buf, frameStart, w.pos);
    w.bits(crc, 16);
    const size = w.pos - frameStart;
    if (size < minFrame) minFrame = size;
    if (size > maxFrame) maxFrame = size;
  }
  const out = w.bytes().slice();
  // STREAMINFO: last-metadata flag + type 0 + length 34
  const si = siPos;
  out[si] = 0x80;
  out[si + 1] = 0;
  out[si + 2] = 0;
  out[si + 3] = 34;
  const s = si + 4;
  const minBlock = n < blockSize ? Math.max(16, n) : blockSize;
  out[s] = minBlock >> 8;
  out[s + 1] = minBlock & 0xff;
  out[s + 2] = blockSize >> 8;
  out[s + 3] = blockSize & 0xff;
  if (maxFrame === 0) minFrame = 0;
  out[s + 4] = (minFrame >> 16) & 0xff;
  out[s + 5] = (minFrame >> 8) & 0xff;
  out[s + 6] = minFrame & 0xff;
  out[s + 7] = (maxFrame >> 16) & 0xff;
  out[s + 8] = (maxFrame >> 8) & 0xff;
  out[s + 9] = maxFrame & 0xff;
  // 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples
  out[s + 10] = (rate >> 12) & 0xff;
  out[s + 11] = (rate >> 4) & 0xff;
  out[s + 12] = ((rate & 0x0f) << 4) | ((nch - 1) << 1) | ((bps - 1) >> 4);
  out[s + 13] = (((bps - 1) & 0x0f) << 4) | (Math.floor(n / 2 ** 32) & 0x0f);
  out[s + 14] = (n >>> 24) & 0xff;
  out[s + 15] = (n >>> 16) & 0xff;
  out[s + 16] = (n >>> 8) & 0xff;
  out[s + 17] = n & 0xff;
  if (md5) out.set(md5.digest(), s + 18);
  return out;
}
