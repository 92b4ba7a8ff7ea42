// Blend arithmetic for the blend editor and the voice map: weights normalized to sum 1, the blend's
// position on the map and a readable label. The engine normalizes again; this is what the user sees.
import type { MixEntry, VoiceInfo } from '../../src/api/types';

/** Weights scaled to sum to 1; negative or non-finite weights count as 0; all-zero becomes equal. */
export function normalizeWeights(mix: readonly MixEntry[]): MixEntry[] {
  const clean = mix.map((m) => ({ voiceId: m.voiceId, weight: Number.isFinite(m.weight) && m.weight > 0 ? m.weight : 0 }));
  const total = clean.reduce((s, m) => s + m.weight, 0);
  if (clean.length === 0) return [];
  if (total === 0) return clean.map((m) => ({ ...m, weight: 1 / clean.length }));
  return clean.map((m) => ({ ...m, weight: m.weight / total }));
}

/** The mix to send: entries with weight > 0, duplicates merged, at least one entry. */
export function mixForRequest(mix: readonly MixEntry[]): MixEntry[] {
  const merged = new Map<string, number>();
  for (const m of normalizeWeights(mix)) merged.set(m.voiceId, (merged.get(m.voiceId) ?? 0) + m.weight);
  return [...merged].filter(([, w]) => w > 0).map(([voiceId, weight]) => ({ voiceId, weight }));
}

/** Where the blend sits on the voice map: the weighted mean of its voices' positions. */
export function blendPosition(mix: readonly MixEntry[], voices: readonly VoiceInfo[]): [number, number] | null {
  const byId = new Map(voices.map((v) => [v.id, v]));
  const known = mix.filter((m) => byId.has(m.voiceId));
  if (known.length === 0) return null;
  const norm = normalizeWeights(known);
  let x = 0;
  let y = 0;
  for (const m of norm) {
    const [vx, vy] = byId.get(m.voiceId)!.map;
    x += m.weight * vx;
    y += m.weight * vy;
  }
  return [x, y];
}

/** "Alice", or "60% Alice + 40% Bob" for a blend. */
export function blendLabel(mix: readonly MixEntry[], voices: readonly VoiceInfo[]): string {
  const names = new Map(voices.map((v) => [v.id, v.name]));
  const norm = mixForRequest(mix);
  if (norm.length === 0) return 'no voice';
  if (norm.length === 1) return names.get(norm[0].voiceId) ?? norm[0].voiceId;
  return norm.map((m) => `${Math.round(m.weight * 100)}% ${names.get(m.voiceId) ?? m.voiceId}`).join(' + ');
}

/** A short name for file names: "alice" or "alice-bob-blend". */
export function blendShortName(mix: readonly MixEntry[], voices: readonly VoiceInfo[]): string {
  const names = new Map(voices.map((v) => [v.id, v.name]));
  const norm = mixForRequest(mix);
  if (norm.length === 1) return names.get(norm[0].voiceId) ?? norm[0].voiceId;
  return `${norm.map((m) => names.get(m.voiceId) ?? m.voiceId).join('-')}-blend`;
}
