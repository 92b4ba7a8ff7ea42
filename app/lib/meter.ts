// The words of the "sounds like" meter in the renderer, shared by the result view and the history so
// both say the same thing: the verdict the engine's verifier gave (src/quality-gate/meter.ts decides it),
// the number and probability for a hover title, and "not shown" with the reason.
import type { SpeakerMatch } from '../../src/api/types';

/** The verdict word, or "not shown". */
export function meterWord(m: SpeakerMatch): string {
  return m.verdict ?? 'not shown';
}

/** Hover text: the verifier's number and probability, or why there is no verdict. */
export function meterTitle(m: SpeakerMatch): string {
  if (!m.verdict) return m.reason ?? 'Not measured.';
  const pct = m.probability === null ? '?' : `${Math.round(m.probability * 100)}%`;
  return `Speaker verifier: cosine ${m.cosine?.toFixed(2) ?? '?'}, probability of the same speaker ${pct}`;
}
