// Live-mode latency, measured rather than estimated (DESIGN §9, issue 16). A signal goes through the
// StreamingConverter block by block; the delay of the output stream against the input is found by
// cross-correlating their level envelopes (4 ms resolution: the conversion changes the waveform, not when
// sounds start and stop). End-to-end latency adds what the engine does not see:
//   block buffering  a sample waits until its block is complete before the block is converted;
//   stream delay     measured here; by construction lookahead + synthesis-window overlap;
//   compute          the allowance the output schedule reserves for a block's conversion (default one
//                    block; the measured per-block p50/p95/max are reported beside it);
//   device buffers   a stated allowance: one 10 ms input and one 10 ms output hardware buffer;
//   transport        a stated allowance for moving 64 ms of PCM between the audio thread and the engine
//                    process and back (binary frames over IPC/loopback).
import { MODEL_RATE } from '../pipeline/frames.js';
import type { StreamConfig, StreamStats } from './streaming-converter.js';

/** Device-buffer allowance, ms: 2 x 10 ms (input + output). */
export const DEVICE_BUFFER_MS = 20;
/** Transport allowance, ms: audio thread <-> engine process, both ways. */
export const TRANSPORT_MS = 5;
/** Envelope hop of the delay measurement, samples (4 ms). */
export const ENVELOPE_HOP = 64;

/** dB level envelope (ENVELOPE_HOP-sample RMS, floored at -80 dB). */
export function levelEnvelope(x: Float32Array, hop = ENVELOPE_HOP): Float64Array {
  const n = Math.floor(x.length / hop);
  const env = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * hop; j < (i + 1) * hop; j++) s += x[j] * x[j];
    env[i] = 10 * Math.log10(Math.max(1e-8, s / hop));
  }
  return env;
}

/**
 * Delay of `output` against `input` in samples (output[i + d] ~ input[i]): the lag in [0, maxLag] that
 * maximizes the normalized cross-correlation of their level envelopes, refined by a parabola through the
 * peak. Resolution ~ ENVELOPE_HOP / 4.
 */
export function measureDelay(input: Float32Array, output: Float32Array, maxLagSamples: number): { delaySamples: number; correlation: number } {
  const a = levelEnvelope(input);
  const b = levelEnvelope(output);
  const maxLag = Math.floor(maxLagSamples / ENVELOPE_HOP);
  const corr = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag; lag++) {
    const n = Math.min(a.length, b.length - lag);
    if (n < 8) {
      corr[lag] = -1;
      continue;
    }
    let ma = 0;
    let mb = 0;
    for (let i = 0; i < n; i++) {
      ma += a[i];
      mb += b[i + lag];
    }
    ma /= n;
    mb /= n;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i] - ma;
      const y = b[i + lag] - mb;
      sab += x * y;
      saa += x * x;
      sbb += y * y;
    }
    corr[lag] = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
  }
  let best = 0;
  for (let lag = 1; lag <= maxLag; lag++) if (corr[lag] > corr[best]) best = lag;
  let frac = 0;
  if (best > 0 && best < maxLag) {
    const [l, c, r] = [corr[best - 1], corr[best], corr[best + 1]];
    const den = l - 2 * c + r;
    if (den < 0) frac = Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / den));
  }
  return { delaySamples: (best + frac) * ENVELOPE_HOP, correlation: corr[best] };
}

/** Percentile of a list (nearest rank). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * Per-block compute times of a whole stream in bounded memory: a histogram of 0.25 ms bins up to 2 s
 * (longer times land in the last bin; `max` keeps the exact figure), plus count, sum and max.
 */
export class ComputeHistogram {
  static readonly BIN_MS = 0.25;
  private readonly bins = new Uint32Array(8000);
  count = 0;
  sum = 0;
  max = 0;

  add(ms: number): void {
    this.bins[Math.min(this.bins.length - 1, Math.max(0, Math.floor(ms / ComputeHistogram.BIN_MS)))]++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** Nearest-rank percentile, to the bin's upper edge (NaN when empty). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.min(this.count, Math.max(1, Math.ceil((p / 100) * this.count)));
    let acc = 0;
    for (let i = 0; i < this.bins.length; i++) {
      acc += this.bins[i];
      if (acc >= rank) return Math.min(this.max, (i + 1) * ComputeHistogram.BIN_MS);
    }
    return this.max;
  }
}

/**
 * Adds `item` to `list` keeping at most `max` entries, the slowest (largest `ms`): a bounded log of the
 * worst blocks over a stream of any length.
 */
export function keepSlowest<T extends { ms: number }>(list: T[], item: T, max: number): void {
  if (list.length < max) {
    list.push(item);
    return;
  }
  let min = 0;
  for (let i = 1; i < list.length; i++) if (list[i].ms < list[min].ms) min = i;
  if (list[min].ms < item.ms) list[min] = item;
}

/** Per-block compute figures, ms. */
export interface ComputeFigures {
  p50: number;
  p95: number;
  max: number;
  mean: number;
  blocks: number;
}

/** Summary of per-block compute times (a histogram of the whole stream, or a list). */
export function computeFigures(src: readonly number[] | ComputeHistogram): ComputeFigures {
  if (src instanceof ComputeHistogram) {
    return { p50: r1(src.percentile(50)), p95: r1(src.percentile(95)), max: r1(src.count ? src.max : NaN), mean: r1(src.count ? src.sum / src.count : NaN), blocks: src.count };
  }
  const ms = src;
  const mean = ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : NaN;
  return { p50: r1(percentile(ms, 50)), p95: r1(percentile(ms, 95)), max: r1(ms.length ? ms.reduce((a, b) => Math.max(a, b), -Infinity) : NaN), mean: r1(mean), blocks: ms.length };
}

/** The latency parts of a stream, ms. */
export interface LatencyReport {
  /** Block buffering: a sample waits for its block to fill. */
  blockMs: number;
  /** Lookahead frames, in ms (part of the stream delay). */
  lookaheadMs: number;
  /** Synthesis-window overlap (n_fft/2 - hop), in ms (part of the stream delay). */
  synthesisOverlapMs: number;
  /** lookahead + overlap as configured. */
  configuredStreamDelayMs: number;
  /** The stream delay measured by envelope cross-correlation (null when not measured). */
  measuredStreamDelayMs: number | null;
  /** Peak envelope correlation of the measurement. */
  correlation: number | null;
  /** block + stream delay (measured when available). */
  algorithmicMs: number;
  /** Per-block compute p95, measured. */
  computeP95Ms: number;
  /** The compute allowance the output schedule reserves (StreamOptions.computeAllowanceMs; default one block). */
  computeAllowanceMs: number;
  deviceBuffersMs: number;
  transportMs: number;
  /** algorithmic + compute allowance + device buffers + transport: the latency a listener gets. */
  endToEndMs: number;
  /** algorithmic + compute p95 + device buffers + transport: what a schedule sized to the p95 would give. */
  endToEndAtP95Ms: number;
}

/** Puts the parts together. */
export function latencyReport(
  config: StreamConfig,
  stats: Pick<StreamStats, 'computeMs'> & { computeAllowanceMs?: number; compute?: ComputeHistogram },
  measured?: { delaySamples: number; correlation: number },
): LatencyReport {
  const ms = (s: number): number => (s * 1000) / MODEL_RATE;
  const blockMs = ms(config.blockSamples);
  const streamMs = measured ? ms(measured.delaySamples) : ms(config.delaySamples);
  const computeP95Ms = r1(stats.compute ? stats.compute.percentile(95) : percentile(stats.computeMs, 95));
  const algorithmicMs = r1(blockMs + streamMs);
  const allowance = stats.computeAllowanceMs ?? blockMs;
  return {
    blockMs,
    lookaheadMs: ms(config.lookaheadSamples),
    synthesisOverlapMs: ms(config.synthesisOverlapSamples),
    configuredStreamDelayMs: ms(config.delaySamples),
    measuredStreamDelayMs: measured ? r1(streamMs) : null,
    correlation: measured ? Math.round(measured.correlation * 1000) / 1000 : null,
    algorithmicMs,
    computeP95Ms,
    computeAllowanceMs: r1(allowance),
    deviceBuffersMs: DEVICE_BUFFER_MS,
    transportMs: TRANSPORT_MS,
    endToEndMs: r1(algorithmicMs + allowance + DEVICE_BUFFER_MS + TRANSPORT_MS),
    endToEndAtP95Ms: r1(algorithmicMs + (Number.isFinite(computeP95Ms) ? computeP95Ms : 0) + DEVICE_BUFFER_MS + TRANSPORT_MS),
  };
}

/** A test signal with sharp onsets: `burstMs` noise bursts (decaying) every `periodMs`, amplitude `amp`. */
export function burstTrain(seconds: number, periodMs = 400, burstMs = 60, amp = 0.5, seed = 3): Float32Array {
  const n = Math.round(seconds * MODEL_RATE);
  const out = new Float32Array(n);
  const period = Math.round((periodMs * MODEL_RATE) / 1000);
  const len = Math.round((burstMs * MODEL_RATE) / 1000);
  let s = seed >>> 0;
  for (let start = period >> 1; start + len < n; start += period) {
    for (let i = 0; i < len; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[start + i] = amp * ((s / 4294967296) * 2 - 1) * Math.exp(-i / (len / 3));
    }
  }
  return out;
}

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}
