// WAV encoder: 16/24-bit integer PCM (optional TPDF dither) and 32-bit float, any channel
// count and rate. Why it exists: exportClip writes WAV (DESIGN §5), tests and the CLI write
// clips, and the app needs a byte-exact round trip with decode.ts (16/24-bit).
import { seededRandom } from '../dsp/random';

/** Sample formats the encoder writes. */
export type WavSampleFormat = 'int16' | 'int24' | 'float32';

/** WAV encoding options. */
export interface WavEncodeOptions {
  /** Sample format. Default 'int16'. */
  format?: WavSampleFormat;
  /** Add TPDF dither of +-1 LSB before integer quantization. Default false (exact round trips). */
  dither?: boolean;
  /** Seed of the dither noise (deterministic output). Default 1. */
  seed?: number;
}

/** Audio to encode: one Float32Array per channel, nominally in [-1, 1]. */
export interface PcmAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/**
 * Quantize float samples to signed integers of `bits` bits: round(x * 2^(bits-1)), clamped,
 * optionally with TPDF dither (two uniform variables, +-1 LSB peak). Values decoded as
 * int / 2^(bits-1) quantize back to the same integers.
 * @param rng uniform [0, 1) generator used when dithering
 */
export function quantize(x: Float32Array, bits: number, dither: boolean, rng: () => number, out?: Int32Array): Int32Array {
  const scale = 2 ** (bits - 1);
  const max = scale - 1;
  const min = -scale;
  const y = out ?? new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = x[i] * scale;
    if (dither) v += rng() - rng();
    if (!(v === v)) v = 0; // NaN
    let q = Math.round(v);
    if (q > max) q = max;
    else if (q < min) q = min;
    y[i] = q;
  }
  return y;
}


function checkAudio(audio: PcmAudio): number {
  if (!audio || !Array.isArray(audio.channels) || audio.channels.length === 0) throw new RangeError('encode: audio needs at least one channel');
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate <= 0 || audio.sampleRate > 768000) throw new RangeError(`encode: invalid sample rate ${audio.sampleRate}`);
  const n = audio.channels[0].length;
  for (const c of audio.channels) if (c.length !== n) throw new RangeError('encode: channels differ in length');
  return n;
}

/**
 * Encode audio as a WAV file. Mono/stereo integer PCM uses the plain PCM header; more than
 * two channels or 24-bit use WAVE_FORMAT_EXTENSIBLE; float32 uses IEEE float with a fact chunk.
 * @returns the file bytes
 */
export function encodeWav(audio: PcmAudio, opts: WavEncodeOptions = {}): Uint8Array {
  const n = checkAudio(audio);
  const format = opts.format ?? 'int16';
  const nch = audio.channels.length;
  if (nch > 65535) throw new RangeError('encode: too many channels');
  const bytesPer = format === 'int16' ? 2 : format === 'int24' ? 3 : 4;
  const blockAlign = bytesPer * nch;
  const dataBytes = n * blockAlign;
  if (dataBytes > 0xffffffff - 100) throw new RangeError('encode: WAV data over 4 GiB');
  const isFloat = format === 'float32';
  const extensible = !isFloat && (nch > 2 || format === 'int24');
  const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const total = 12 + 8 + fmtSize + factSize + 8 + dataBytes + (dataBytes & 1);
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  const str = (o: number, s: string): void => {
    for (let i = 0; i < s.length; i++) b[o + i] = s.charCodeAt(i);
  };
  str(0, 'RIFF');
  dv.setUint32(4, total - 8, true);
  str(8, 'WAVE');
  let p = 12;
  str(p, 'fmt ');
  dv.setUint32(p + 4, fmtSize, true);
  dv.setUint16(p + 8, extensible ? 0xfffe : isFloat ? 3 : 1, true);
  dv.setUint16(p + 10, nch, true);
  dv.setUint32(p + 12, audio.sampleRate, true);
  dv.setUint32(p + 16, audio.sampleRate * blockAlign, true);
  dv.setUint16(p + 20, blockAlign, true);
  dv.setUint16(p + 22, bytesPer * 8, true);
  if (isFloat) dv.setUint16(p + 24, 0, true);
  if (extensible) {
    dv.setUint16(p + 24, 22, true);
    dv.setUint16(p + 26, bytesPer * 8, true);
    const masks = [0x4, 0x3, 0x7, 0x33, 0x37, 0x3f, 0x13f, 0x63f];
    dv.setUint32(p + 28, nch <= 8 ? masks[nch - 1] : 0, true);
    // KSDATAFORMAT_SUBTYPE_PCM 00000001-0000-0010-8000-00aa00389b71
    const guid = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    b.set(guid, p + 32);
  }
  p += 8 + fmtSize;
  if (isFloat) {
    str(p, 'fact');
    dv.setUint32(p + 4, 4, true);
    dv.setUint32(p + 8, n, true);
    p += 12;
  }
  str(p, 'data');
  dv.setUint32(p + 4, dataBytes, true);
  p += 8;
  if (isFloat) {
    for (let c = 0; c < nch; c++) {
      const ch = audio.channels[c];
      for (let i = 0, o = p + c * 4; i < n; i++, o += blockAlign) dv.setFloat32(o, ch[i], true);
    }
  } else {
    const rng = seededRandom(opts.seed ?? 1);
    const q = new Int32Array(n);
    for (let c = 0; c < nch; c++) {
      quantize(audio.channels[c], bytesPer * 8, opts.dither ?? false, rng, q);
      if (bytesPer === 2) {
        for (let i = 0, o = p + c * 2; i < n; i++, o += blockAlign) dv.setInt16(o, q[i], true);
      } else {
        for (let i = 0, o = p + c * 3; i < n; i++, o += blockAlign) {
          const v = q[i];
          b[o] = v & 0xff;
          b[o + 1] = (v >> 8) & 0xff;
          b[o + 2] = (v >> 16) & 0xff;
        }
      }
    }
  }
  return b;
}
