import { describe, expect, it } from 'vitest';
import { SCRATCH_MAX_ELEMENTS, scratch32i, scratch64 } from './scratch';

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

  it('does not keep work space for very large requests', () => {
    const small = scratch64('test-e', 16);
    const huge = scratch64('test-e', SCRATCH_MAX_ELEMENTS + 1);
    expect(huge.length).toBe(SCRATCH_MAX_ELEMENTS + 1);
    expect(huge.buffer).not.toBe(small.buffer);
    expect(scratch64('test-e', 16).buffer).toBe(small.buffer);
  });

  it('keeps keys apart', () => {
    scratch64('test-c', 4).fill(2);
    expect(scratch64('test-d', 4, true)[0]).toBe(0);
    expect(scratch64('test-c', 4)[0]).toBe(2);
    expect(scratch32i('test-c', 4).length).toBe(4);
  });
});
