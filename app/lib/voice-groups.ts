// How the voice list is searched and grouped: with twenty-odd built-in voices in a small box, a user
// finds one by typing part of its name, id or gender, and browses them by gender, lowest pitch first.
import type { VoiceInfo } from '../../src/api/types';

/** Voices whose name, id or gender contains every word of `query` (any case); all when it is blank. */
export function searchVoices(voices: readonly VoiceInfo[], query: string): VoiceInfo[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...voices];
  return voices.filter((v) => {
    const hay = `${v.name} ${v.id} ${v.gender ?? ''}`.toLocaleLowerCase();
    // "male" must not find every female voice: a gender word matches the gender exactly.
    return words.every((w) => (w === 'male' || w === 'female' ? v.gender === w : hay.includes(w)));
  });
}

/** The voices in groups by gender (Female, Male, then Other for unknown), each sorted by mean F0, lowest first. */
export function groupByGender(voices: readonly VoiceInfo[]): [string, VoiceInfo[]][] {
  const byPitch = (a: VoiceInfo, b: VoiceInfo): number => (a.meanF0Hz ?? Infinity) - (b.meanF0Hz ?? Infinity) || a.name.localeCompare(b.name);
  const groups: [string, VoiceInfo[]][] = [
    ['Female', voices.filter((v) => v.gender === 'female')],
    ['Male', voices.filter((v) => v.gender === 'male')],
    ['Other', voices.filter((v) => v.gender !== 'female' && v.gender !== 'male')],
  ];
  return groups.filter(([, list]) => list.length > 0).map(([title, list]) => [title, [...list].sort(byPitch)]);
}
