// Checks the real FFT against a naive DFT and its inverse, for every size the DSP uses.
import { describe, expect, it } from 'vitest';
import { RealFFT } from './fft';

function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * j * k) / n;
      sr += x[j] * Math.cos(a);
      si += x[j] * Math.sin(a);
    }
    re[k] = sr;
    im[k] = si;
  }
  return { re, im };
}

describe('RealFFT', () => {
  for (const n of [4, 8, 16, 64, 1024]) {
    it(`matches a naive DFT and inverts (n=${n})`, () => {
      const x = new Float64Array(n);
      let s = 12345;
      for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        x[i] = s / 2 ** 32 - 0.5;
      }
      const fft = new RealFFT(n);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      fft.forward(x, re, im);
      const ref = naiveDft(x);
      for (let k = 0; k <= n / 2; k++) {
        expect(Math.abs(re[k] - ref.re[k])).toBeLessThan(1e-9);
        expect(Math.abs(im[k] - ref.im[k])).toBeLessThan(1e-9);
      }
      const back = new Float64Array(n);
      fft.inverse(re, im, back);
      for (let i = 0; i < n; i++) expect(Math.abs(back[i] - x[i])).toBeLessThan(1e-12);
    });
  }
  // 64 and 128: an odd and an even number of radix-2 stages in the half-size transform (the inverse fuses the odd one's last pass)
  for (const n of [64, 128]) it(`overlap-adds the windowed inverse, for each window it is given in turn (n=${n})`, () => {
    const fft = new RealFFT(n);
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.25 * Math.cos(i * 2.1));
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    fft.forward(x, re, im);
    // two windows in turn: the cached window / n must follow the one passed
    for (const win of [Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)), Float64Array.from({ length: n }, (_, i) => i / n)]) {
      const acc = new Float64Array(n + 3).fill(1);
      fft.inverseOverlapAdd(re, im, 0, acc, 3, win);
      for (let j = 0; j < n; j++) expect(acc[3 + j]).toBeCloseTo(1 + x[j] * win[j], 12);
      expect(acc[0]).toBe(1);
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFFT(1000)).toThrow(RangeError);
    expect(() => new RealFFT(2)).toThrow(RangeError);
  });
});
