// Measuring the "sounds like" meter of one conversion with the speaker verifier: verifier embeddings of
// clips (voiced-frame weighted, bounded cost on hour-long input), the target's verifier embedding
// (stored, computed on first use, or blended), and the two readings with the reasons they are not
// shown. What the thresholds and words are lives in meter.ts; this file only measures.
import type { SpeakerMatch, Verdict } from '../api/types.js';
import type { F0Track } from '../dsp/f0.js';
import { LogMelExtractor } from '../dsp/mel.js';
import type { SpeakerVerifier } from '../model/verifier.js';
import { GATE } from './analyze.js';
import { HOP, inputGain, MODEL_RATE, scaled, yieldToEventLoop } from '../pipeline/frames.js';
import { notShown, reading, speechProblem } from './meter.js';
import { f0Blocked, f0Stats } from '../pipeline/pitch.js';
import { cosine, meanEmbedding, normalize } from '../pipeline/similarity.js';

/**
 * Where a target's verifier embedding comes from: known, computed on first use (an enrolled voice
 * stored without one, or by another verifier), or missing with the reason.
 */
export type VerifierTarget = { embedding: Float32Array } | { pending: () => Promise<Float32Array | null> } | { missing: string };

/** Seconds per verifier piece: long enough for a stable embedding, short enough to bound memory. */
const PIECE_SECONDS = 10;
/** Most pieces embedded per clip (a minute of speech): an hour-long clip is judged on evenly spread pieces, not all of it. */
const MAX_PIECES = 6;

/**
 * Verifier embedding of 16 kHz mono audio: the mean over up to MAX_PIECES pieces of PIECE_SECONDS,
 * each weighted by its voiced frames, re-normalized. Pauses and noise between words weigh nothing.
 * @param voiced per-frame voiced flags of `mono` (as f0Yin); default: computed here
 * @returns null when the clip has no voiced frame
 */
export async function verifierEmbeddingOf(verifier: SpeakerVerifier, mono: Float32Array, voiced?: Float32Array): Promise<Float32Array | null> {
  const gain = inputGain(mono);
  const flags = voiced ?? f0Blocked(mono, undefined, gain).voiced;
  const piece = PIECE_SECONDS * MODEL_RATE;
  const starts: number[] = [];
  for (let s = 0; s < mono.length; s += piece) {
    // a tail under 3 s joins the piece before it
    if (starts.length > 0 && mono.length - s < 3 * MODEL_RATE) break;
    starts.push(s);
  }
  const pieces = starts.map((start, i) => {
    const end = i === starts.length - 1 ? mono.length : start + piece;
    let w = 0;
    for (let t = Math.floor(start / HOP); t < Math.min(flags.length, Math.ceil(end / HOP)); t++) if (flags[t] > 0.5) w++;
    return { start, end, w };
  });
  let live = pieces.filter((p) => p.w > 0);
  if (live.length === 0) return null;
  if (live.length > MAX_PIECES) live = Array.from({ length: MAX_PIECES }, (_, k) => live[Math.floor(((k + 0.5) * live.length) / MAX_PIECES)]);
  const mel = new LogMelExtractor();
  const items: { e: Float32Array; w: number }[] = [];
  for (const p of live) {
    const m = mel.compute(scaled(mono.subarray(p.start, p.end), gain));
    items.push({ e: await verifier.embed(m.data, m.frames), w: p.w });
    await yieldToEventLoop();
  }
  return meanEmbedding(items);
}

/**
 * The verifier target of a blend: the weighted mean of the parts' embeddings, re-normalized; missing
 * when any part lacks one (a blend judged on some of its voices would mislead).
 * @param parts weights need not be normalized; parts of weight 0 are ignored
 */
export function blendVerifierTargets(parts: { verifier: VerifierTarget | undefined; weight: number }[]): VerifierTarget {
  const live = parts.filter((p) => p.weight > 0 && Number.isFinite(p.weight));
  const missing = live.find((p) => !p.verifier || 'missing' in p.verifier);
  if (missing) return { missing: missing.verifier && 'missing' in missing.verifier ? missing.verifier.missing : 'A voice in the blend has no verifier embedding.' };
  const combine = (embs: (Float32Array | null)[]): Float32Array | null => {
    if (embs.some((e) => !e)) return null;
    const total = live.reduce((s, p) => s + p.weight, 0);
    const out = new Float32Array(embs[0]!.length);
    embs.forEach((e, k) => {
      for (let i = 0; i < out.length; i++) out[i] += (live[k].weight / total) * e![i];
    });
    normalize(out);
    return out.every((v) => v === 0) ? null : out;
  };
  const known = live.map((p) => ('embedding' in p.verifier! ? p.verifier.embedding : null));
  if (known.every((e) => e)) {
    const e = combine(known);
    return e ? { embedding: e } : { missing: 'The voices in the blend cancel out, so the blend has no verifier embedding.' };
  }
  return {
    pending: async () => combine(await Promise.all(live.map((p) => ('embedding' in p.verifier! ? p.verifier.embedding : (p.verifier as { pending: () => Promise<Float32Array | null> }).pending())))),
  };
}

/** Resolves a verifier target to an embedding, or the reason there is none. */
export async function resolveVerifierTarget(t: VerifierTarget | undefined): Promise<{ embedding: Float32Array } | { missing: string }> {
  if (!t) return { missing: 'This voice has no verifier embedding.' };
  if ('embedding' in t || 'missing' in t) return t;
  const e = await t.pending();
  return e ? { embedding: e } : { missing: 'This voice has no usable speech to compare with (enroll it again to see the meter).' };
}

/** What the meter of one conversion needs. */
export interface MeterInput {
  verifier: SpeakerVerifier;
  /** 16 kHz mono source and result, the same length. */
  source: Float32Array;
  output: Float32Array;
  /** The source's pitch track (the pipeline computed it already). */
  sourceF0: F0Track;
  /** The quality gate's verdict on the input, with its reasons. */
  inputGate: { verdict: Verdict; reasons: string[] };
  target: VerifierTarget | undefined;
  /** The source's verifier embedding when the caller started it already (verifierEmbeddingOf with `sourceF0.voiced`). */
  sourceEmbedding?: Promise<Float32Array | null>;
  /**
   * The gain `output` gets after the meter has read it (its loudness matching, computed beside the meter):
   * the silence check applies it. The embedding needs none: verifierEmbeddingOf normalizes the peak. Default 1.
   */
  outputGain?: Promise<number>;
}

/**
 * The two readings of a conversion: the result against the target and against the source speaker.
 * Not shown (no verdict, with the reason) when there is no verifier, when the quality gate rejected the
 * input, or when the input or the result is not speech (too little voiced speech, a steady tone, silence).
 */
export async function measureMeter(m: MeterInput): Promise<{ toTarget: SpeakerMatch; toSource: SpeakerMatch }> {
  const unavailable = m.verifier.unavailableReason;
  if (unavailable) return { toTarget: notShown(unavailable), toSource: notShown(unavailable) };
  const calibration = m.verifier.info!.calibration;
  // The result is time-aligned with the source and its decoder was given the source's voicing, so the
  // source's voiced frames are where the result speaks. (YIN on the Griffin-Lim output is no judge:
  // its phase makes converted speech read as 0-0.2 s voiced out of 4 s.)
  const voiced = m.sourceF0.voiced;
  const srcStats = f0Stats(m.sourceF0.logF0, voiced);
  let peak = 0;
  for (const v of m.output) peak = Math.max(peak, Math.abs(v));
  const [srcEmb, outEmb, target] = await Promise.all([
    m.sourceEmbedding ?? verifierEmbeddingOf(m.verifier, m.source, voiced),
    verifierEmbeddingOf(m.verifier, m.output, voiced),
    resolveVerifierTarget(m.target),
  ]);
  // the gain is awaited only now: it is computed elsewhere while the embeddings above run
  peak *= m.outputGain ? await m.outputGain : 1;
  const blocked =
    (m.inputGate.verdict === 'reject' ? `The input was rejected by the quality check (${m.inputGate.reasons.join(' ') || 'see the analysis'}), so whose voice the result has is not judged.` : null) ??
    speechProblem((srcStats.voicedFrames * HOP) / MODEL_RATE, srcStats.std, 'input') ??
    (20 * Math.log10(Math.max(peak, 1e-12)) < GATE.silentPeakDb ? 'The result is silent, so whose voice it has cannot be judged.' : null);
  const measured = (other: Float32Array | null) => (outEmb && other ? { cosine: cosine(outEmb, other), calibration } : undefined);
  const one = (other: Float32Array | null, missing: string | null): SpeakerMatch => {
    if (blocked) return notShown(blocked, measured(other));
    if (missing) return notShown(missing, measured(other));
    const mm = measured(other);
    return mm ? reading(mm.cosine, calibration) : notShown('The result has no speech to compare.');
  };
  return {
    toTarget: one('embedding' in target ? target.embedding : null, 'missing' in target ? target.missing : null),
    toSource: one(srcEmb, srcEmb ? null : 'The input has no voiced speech to compare with.'),
  };
}
