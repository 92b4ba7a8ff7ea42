// The live AudioWorklet (runs on the audio thread, in an AudioContext at 16 kHz so the browser's own
// resampler brings the device rate to the model rate and back). It
//   - cuts the microphone into blocks of `blockSamples` and posts each to the page (transferred);
//   - plays converted blocks the page posts back from a small ring: playback starts (and restarts
//     after an underrun) with `marginSamples` of silence ahead of the first block, which absorbs the
//     jitter of the engine's compute; when more than `maxQueuedSamples` pile up, the oldest are skipped
//     (counted, with a short fade) so the playback delay can never grow;
//   - MEASURES the latency inside the browser: the first sample of converted block k stands for input
//     position k * blockSamples - delaySamples (the converter's output schedule), and input position p was
//     captured at render frame startFrame + p; so (frame at which that sample is played) - (frame at which
//     its input was captured) is block + lookahead + compute + transport + playback buffer, as it
//     happened. Only the hardware buffers outside the AudioContext are not in it;
//   - measures input and output RMS, the ring's fill when each block arrives (the playback buffer's share
//     of the latency), underruns and skips, and posts them about 20 times a second.
// Loaded with `?worker&url` (a separate bundle); it imports nothing.

interface Options {
  blockSamples: number;
  /** The converted stream's delay behind the input (LiveConfigInfo.delaySamples). */
  delaySamples: number;
  marginSamples: number;
  maxQueuedSamples: number;
}

declare const sampleRate: number;
declare const currentFrame: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: { processorOptions?: unknown });
}

const FADE = 64;

class LiveIoProcessor extends AudioWorkletProcessor {
  private readonly opts: Options;
  private acc: Float32Array;
  private accLen = 0;
  private readonly ring: Float32Array;
  private readAt = 0;
  private filled = 0;
  private playing = false;
  private fadeIn = 0;
  private inSq = 0;
  private outSq = 0;
  private n = 0;
  /** Recent average of the ring's fill when a block arrives, samples (exponential, ~1 s). */
  private fillAvg = -1;
  /** Least fill at a block's arrival over the current window of arrivals (jitter-buffer trimming). */
  private minFill = Infinity;
  private arrivals = 0;
  private underruns = 0;
  /** Render frame of the first captured input sample (-1 before any). */
  private startFrame = -1;
  /** Samples written into / read out of the ring since the start (skips count as read). */
  private written = 0;
  private read = 0;
  /** Ring positions where a converted block starts, with its sequence number. */
  private marks: { at: number; seq: number }[] = [];
  /** Recent measured latencies, samples (median posted). */
  private measured: number[] = [];
  private skipped = 0;

  constructor(options: { processorOptions: Options }) {
    super(options);
    this.opts = options.processorOptions;
    this.acc = new Float32Array(this.opts.blockSamples);
    this.ring = new Float32Array(this.opts.maxQueuedSamples + this.opts.blockSamples + this.opts.marginSamples + 256);
    this.port.onmessage = (e: MessageEvent) => {
      const m = e.data as { type: string; samples?: Float32Array; afterDrop?: boolean; seq?: number };
      if (m.type === 'play' && m.samples) this.enqueue(m.samples, !!m.afterDrop, m.seq ?? -1);
    };
  }

  private write(x: Float32Array): void {
    const cap = this.ring.length;
    let w = (this.readAt + this.filled) % cap;
    for (let i = 0; i < x.length; i++) {
      this.ring[w] = x[i];
      w = w + 1 === cap ? 0 : w + 1;
    }
    this.filled += x.length;
    this.written += x.length;
  }

  /** Skips `k` queued samples (counted as read). */
  private skip(k: number): void {
    this.readAt = (this.readAt + k) % this.ring.length;
    this.filled -= k;
    this.skipped += k;
    this.read += k;
    this.fadeIn = FADE;
  }

  private enqueue(x: Float32Array, afterDrop: boolean, seq: number): void {
    const fill = this.playing ? this.filled : this.opts.marginSamples;
    this.fillAvg = this.fillAvg < 0 ? fill : 0.9 * this.fillAvg + 0.1 * fill;
    if (!this.playing) {
      // (re)start: silence ahead of the block, then a fade-in
      this.read += this.filled;
      this.filled = 0;
      this.write(new Float32Array(this.opts.marginSamples));
      this.playing = true;
      this.fadeIn = FADE;
    } else if (afterDrop) {
      this.fadeIn = FADE;
    }
    if (this.playing) {
      // A surplus held through a whole window of arrivals is delay that jitter did not need: trim it once
      // (with a fade), so a burst of late blocks cannot leave the playback permanently further behind.
      this.minFill = Math.min(this.minFill, this.filled);
      if (++this.arrivals >= 16) {
        const surplus = this.minFill - this.opts.marginSamples;
        if (surplus > 128 && surplus <= this.filled) this.skip(surplus);
        this.minFill = Infinity;
        this.arrivals = 0;
      }
    }
    if (this.filled + x.length > this.opts.maxQueuedSamples) {
      // too much queued: skip the oldest, keep the newest (latency stays bounded)
      const skip = this.filled + x.length - this.opts.maxQueuedSamples;
      this.skip(Math.min(skip, this.filled));
    }
    if (seq >= 0) {
      this.marks.push({ at: this.written, seq });
      if (this.marks.length > 64) this.marks.shift();
    }
    this.write(x);
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const out = outputs[0]?.[0];
    const n = out?.length ?? input?.length ?? 128;
    if (input) {
      if (this.startFrame < 0) this.startFrame = currentFrame;
      for (let i = 0; i < input.length; i++) {
        const v = input[i];
        this.inSq += v * v;
        this.acc[this.accLen++] = v;
        if (this.accLen === this.acc.length) {
          const block = this.acc;
          this.port.postMessage({ type: 'block', samples: block }, [block.buffer]);
          this.acc = new Float32Array(this.opts.blockSamples);
          this.accLen = 0;
        }
      }
    }
    if (out) {
      const cap = this.ring.length;
      for (let i = 0; i < out.length; i++) {
        let v = 0;
        if (this.playing && this.filled > 0) {
          v = this.ring[this.readAt];
          this.readAt = this.readAt + 1 === cap ? 0 : this.readAt + 1;
          this.filled--;
          while (this.marks.length > 0 && this.marks[0].at < this.read) this.marks.shift(); // skipped
          if (this.marks.length > 0 && this.marks[0].at === this.read && this.startFrame >= 0) {
            const { seq } = this.marks.shift()!;
            const inputPos = seq * this.opts.blockSamples - this.opts.delaySamples;
            if (inputPos >= 0) {
              this.measured.push(currentFrame + i - (this.startFrame + inputPos));
              if (this.measured.length > 32) this.measured.shift();
            }
          }
          this.read++;
          if (this.fadeIn > 0) {
            v *= 1 - this.fadeIn / FADE;
            this.fadeIn--;
          }
        } else if (this.playing) {
          this.playing = false;
          this.underruns++;
        }
        out[i] = v;
        this.outSq += v * v;
      }
      for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    }
    this.n += n;
    if (this.n >= sampleRate / 20) {
      this.port.postMessage({
        type: 'levels',
        inRms: Math.sqrt(this.inSq / this.n),
        outRms: Math.sqrt(this.outSq / this.n),
        bufferMs: this.fillAvg >= 0 ? (1000 * this.fillAvg) / sampleRate : null,
        underruns: this.underruns,
        skippedMs: (1000 * this.skipped) / sampleRate,
        measuredMs: this.measured.length > 0 ? (1000 * [...this.measured].sort((a, b) => a - b)[this.measured.length >> 1]) / sampleRate : null,
      });
      this.inSq = 0;
      this.outSq = 0;
      this.n = 0;
    }
    return true;
  }
}

registerProcessor('live-io', LiveIoProcessor);
