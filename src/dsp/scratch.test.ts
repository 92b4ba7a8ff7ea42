import { describe, expect, it } from 'vitest';
import { scratch32i, scratch64 } from './scratch';

describe('scratch buffers', () => {
  it('hands back the same memory for a key, sized as asked', () => {
    const a = scratch64('test-a', 10);
    a[3] = 7;
    const b = scratch64('test-a', 8);
    expect(b.length).toBe(8);
    expect(b[3]).toBe(7);
    expect(b.buffer).toBe(a.buffer);
  });

  it('zeroes on request and grows without losing the length contract', () => {
    scratch64('test-b', 4).fill(1);
    expect(Array.from(scratch64('test-b', 4, true))).toEqual([0, 0, 0, 0]);
    const big = scratch64('test-b', 100);
    expect(big.length).toBe(100);
    expect(big.every((v) => v === 0)).toBe(true);
  });

  it('keeps keys apart', () => {
    scratch64('test-c', 4).fill(2);
    expect(scratch64('test-d', 4, true)[0]).toBe(0);
    expect(scratch64('test-c', 4)[0]).toBe(2);
    expect(scratch32i('test-c', 4).length).toBe(4);
  });
});
