// The content bottleneck's normalization when the streaming encoder leaves it to the engine (manifest
// `contentNorm: 'running'`): each content channel is normalized by its mean and standard deviation over time,
// like the instance norm the offline graphs end with. A file conversion normalizes over the frames it has (the
// same as in training); a live stream keeps RUNNING statistics over the frames that are final, so the
// per-channel offsets that carry the source speaker are removed without reading any future audio.

/** Per-channel running sums of a [C][T] band-major content track. */
export class ChannelStats {
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  /** Frames added so far. */
  count = 0;

  constructor(readonly channels: number) {
    this.s1 = new Float64Array(channels);
    this.s2 = new Float64Array(channels);
  }

  /** Adds frames [from, to) of `content` ([channels][frames], band-major). */
  add(content: Float32Array, frames: number, from: number, to: number): void {
    for (let c = 0; c < this.channels; c++) {
      let a = 0;
      let b = 0;
      for (let t = from, o = c * frames; t < to; t++) {
        const v = content[o + t];
        a += v;
        b += v * v;
      }
      this.s1[c] += a;
      this.s2[c] += b;
    }
    this.count += Math.max(0, to - from);
  }

  /** Normalizes every frame of `content` in place by the statistics so far (biased variance + 1e-5, as torch). */
  normalize(content: Float32Array, frames: number): void {
    if (this.count === 0) return;
    for (let c = 0; c < this.channels; c++) {
      const mu = this.s1[c] / this.count;
      const inv = 1 / Math.sqrt(Math.max(0, this.s2[c] / this.count - mu * mu) + 1e-5);
      for (let t = 0, o = c * frames; t < frames; t++) content[o + t] = (content[o + t] - mu) * inv;
    }
  }
}

/** Instance norm over time of a [channels][frames] content track, in place (the offline semantics). */
export function instanceNormalize(content: Float32Array, channels: number, frames: number): void {
  const s = new ChannelStats(channels);
  s.add(content, frames, 0, frames);
  s.normalize(content, frames);
}
