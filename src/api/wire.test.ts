import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './wire.js';

describe('wire format', () => {
  it('round-trips JSON with float32 and byte arrays exactly', () => {
    const a = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 0.5);
    const msg = { audio: { sampleRate: 16000, channels: [a, a.subarray(3, 10)] }, bytes: Uint8Array.of(1, 2, 3), name: 'é' };
    const out = decodeMessage(encodeMessage(msg)) as typeof msg;
    expect(out.name).toBe('é');
    expect(Array.from(out.audio.channels[0])).toEqual(Array.from(a));
    expect(Array.from(out.audio.channels[1])).toEqual(Array.from(a.subarray(3, 10)));
    expect(out.bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(out.bytes)).toEqual([1, 2, 3]);
  });

  it('rejects malformed messages with a plain error', () => {
    expect(() => decodeMessage(new Uint8Array(3))).toThrow(/too short/);
    expect(() => decodeMessage(new Uint8Array(16))).toThrow(/magic/);
    const good = encodeMessage({ x: new Float32Array(8) });
    expect(() => decodeMessage(good.subarray(0, good.length - 8))).toThrow(/out of range/);
  });
});
