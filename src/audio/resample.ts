// Band-limited sample-rate conversion: Kaiser-windowed sinc, polyphase, any ratio
// (44.1k -> 16k, 8k -> 16k, 48k -> 16k, 16k -> 44.1k on export, ...).
// Why it exists: input in any rate is converted to the model rate (DESIGN §3) and output is
// converted back to 44.1/48 kHz on export; a naive (linear) resampler would alias energy
// above the new Nyquist into the speech band. Rational ratios use an exact phase table
// (up to 4096 phases); others interpolate linearly between 4096 phase tables.

import type { DecodedAudio } from './decode';

/** Filter design options (frequencies relative to the lower of the two Nyquist frequencies). */
export interface ResampleOptions {
  /** Stopband attenuation in dB (sets the Kaiser beta and the filter length). Default 80. */
  attenuationDb?: number;
  /** Centre of the transition band (the -6 dB point). Default 0.94. */
  cutoff?: number;
  /** Width of the transition band. Default 0.1 (so the stopband starts at 0.99 Nyquist). */
  transition?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** A resampling plan from one rate to another; reusable across channels and calls. */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Output samples per `down` input samples. */
  private readonly up: number;
  private readonly down: number;
  private readonly phases: number;
  private readonly exact: boolean;
  private readonly taps: number; // 2J
  private readonly half: number; // J
  private readonly table: Float32Array; // (phases + 1) x taps

  /**
   * @param fromRate input sample rate, Hz (positive integer)
   * @param toRate output sample rate, Hz (positive integer)
   */
  constructor(fromRate: number, toRate: number, opts: ResampleOptions = {}) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
      throw new RangeError(`resample: rates must be positive integers, got ${fromRate} -> ${toRate}`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    const atten = opts.attenuationDb ?? 80;
    const cutoff = opts.cutoff ?? 0.94;
    const trans = opts.transition ?? 0.1;
    const scale = Math.min(1, toRate / fromRate); // lower Nyquist relative to the input Nyquist
    const fc = 0.5 * cutoff * scale; // cycles per input sample
    const df = 0.5 * trans * scale;
    const beta = atten > 50 ? 0.1102 * (atten - 8.7) : atten >= 21 ? 0.5842 * (atten - 21) ** 0.4 + 0.07886 * (atten - 21) : 0;
    const nTaps = Math.ceil((atten - 7.95) / (14.36 * df)) + 1;
    const J = Math.max(2, Math.ceil(nTaps / 2));
    this.half = J;
    this.taps = 2 * J;
    this.exact = this.up <= 4096;
    this.phases = this.exact ? this.up : 4096;
    const P = this.phases;
    const table = new Float32Array((P + 1) * this.taps);
    const i0b = besselI0(beta);
    for (let p = 0; p <= P; p++) {
      const frac = p / P; // output position minus floor(input position), in input samples
      let sum = 0;
      const row = p * this.taps;
      for (let j = 0; j < this.taps; j++) {
        // tap j multiplies x[i + j - J + 1]; its distance from the output position
        const tau = frac - (j - J + 1);
        const r = tau / J;
        let h = 0;
        if (Math.abs(r) < 1) {
          const x = 2 * fc * tau;
          const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
          h = 2 * fc * sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / i0b);
        }
        table[row + j] = h;
        sum += h;
      }
      for (let j = 0; j < this.taps; j++) table[row + j] /= sum; // unity DC gain per phase
    }
    this.table = table;
  }

  /** Output length for `n` input samples: ceil(n * toRate / fromRate). */
  outputLength(n: number): number {
    return Math.ceil((n * this.up) / this.down);
  }

  /**
   * Resample one channel.
   * @param out optional destination of length outputLength(input.length)
   */
  process(input: Float32Array, out?: Float32Array): Float32Array {
    const n = input.length;
    const m = this.outputLength(n);
    const y = out && out.length >= m ? out : new Float32Array(m);
    if (this.up === this.down) {
      y.set(input);
      return y;
    }
    this.run(input, y, 0, m);
    return y;
  }

  /**
   * Output samples [from, to) of `process(input)`, computed alone (each output sample depends only on the
   * input, so two threads can each take a range and the joined result is the same, sample for sample).
   */
  processRange(input: Float32Array, from: number, to: number): Float32Array {
    const m = this.outputLength(input.length);
    if (!(from >= 0 && from <= to && to <= m)) throw new RangeError(`resample: range ${from}..${to} outside 0..${m}`);
    const y = new Float32Array(to - from);
    if (this.up === this.down) y.set(input.subarray(from, to));
    else this.run(input, y, from, to);
    return y;
  }

  /** Output samples k in [from, to) into y[k - from]. */
  private run(input: Float32Array, y: Float32Array, from: number, to: number): void {
    const n = input.length;
    const { up, down, taps, half, table, phases, exact } = this;
    for (let k = from; k < to; k++) {
      // input position k * down / up = i + num / up
      const pos = k * down;
      const i = Math.floor(pos / up);
      const num = pos - i * up;
      const start = i - half + 1;
      let acc = 0;
      if (exact) {
        const row = num * taps;
        if (start >= 0 && start + taps <= n) {
          // four partial sums: independent additions keep the FPU busy (one chain waits on each add)
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          let j = 0;
          for (const e = taps - 3; j < e; j += 4) {
            acc += table[row + j] * input[start + j];
            a1 += table[row + j + 1] * input[start + j + 1];
            a2 += table[row + j + 2] * input[start + j + 2];
            a3 += table[row + j + 3] * input[start + j + 3];
          }
          for (; j < taps; j++) acc += table[row + j] * input[start + j];
          acc += a1 + a2 + a3;
        } else {
          for (let j = 0; j < taps; j++) {
            const idx = start + j;
            if (idx >= 0 && idx < n) acc += table[row + j] * input[idx];
          }
        }
      } else {
        const f = (num / up) * phases;
        const p = Math.floor(f);
        const w = f - p;
        const r0 = p * taps;
        const r1 = r0 + taps;
        for (let j = 0; j < taps; j++) {
          const idx = start + j;
          if (idx >= 0 && idx < n) acc += (table[r0 + j] + w * (table[r1 + j] - table[r0 + j])) * input[idx];
        }
      }
      y[k - from] = acc;
    }
  }
}

const plans = new Map<string, Resampler>();

function plan(fromRate: number, toRate: number, opts: ResampleOptions): Resampler {
  const key = `${fromRate}|${toRate}|${opts.attenuationDb ?? ''}|${opts.cutoff ?? ''}|${opts.transition ?? ''}`;
  let p = plans.get(key);
  if (!p) {
    p = new Resampler(fromRate, toRate, opts);
    plans.set(key, p);
  }
  return p;
}

/**
 * Resample one channel from `fromRate` to `toRate` (band-limited, Kaiser-windowed sinc).
 * Returns a copy when the rates are equal. Plans are cached per rate pair and options.
 */
export function resample(input: Float32Array, fromRate: number, toRate: number, opts: ResampleOptions = {}): Float32Array {
  if (fromRate === toRate) return Float32Array.from(input);
  return plan(fromRate, toRate, opts).process(input);
}

/** Output samples [from, to) of `resample(input, fromRate, toRate, opts)` (see Resampler.processRange). */
export function resampleRange(input: Float32Array, fromRate: number, toRate: number, opts: ResampleOptions, from: number, to: number): Float32Array {
  return plan(fromRate, toRate, opts).processRange(input, from, to);
}

/** Output length of `resample(input, fromRate, toRate, opts)` for `n` input samples. */
export function resampledLength(n: number, fromRate: number, toRate: number, opts: ResampleOptions = {}): number {
  return fromRate === toRate ? n : plan(fromRate, toRate, opts).outputLength(n);
}

/** Resample every channel of decoded audio. */
export function resampleAudio(audio: DecodedAudio, toRate: number, opts: ResampleOptions = {}): DecodedAudio {
  return { sampleRate: toRate, channels: audio.channels.map((c) => resample(c, audio.sampleRate, toRate, opts)) };
}
