// How the command line names a voice: by id ("leo"), or by the display name the app shows
// ("Leo", "ana"), case-insensitively, as long as exactly one voice has it. An ambiguous name is
// refused with the candidates' ids, so a script never converts to a voice nobody chose.
import { ApiError } from './api/errors.js';
import type { VoiceInfo } from './api/types.js';

/**
 * The voice `spec` names: an exact id, else a case-insensitive id, else a case-insensitive display name
 * held by exactly one voice.
 * @returns the voice, or undefined when nothing matches
 * @throws ApiError INVALID_ARGUMENT when the name belongs to more than one voice
 */
export function findVoice(voices: readonly VoiceInfo[], spec: string): VoiceInfo | undefined {
  const exact = voices.find((v) => v.id === spec);
  if (exact) return exact;
  const key = spec.trim().toLocaleLowerCase();
  if (!key) return undefined;
  const byId = voices.filter((v) => v.id.toLocaleLowerCase() === key);
  if (byId.length === 1) return byId[0];
  const byName = voices.filter((v) => v.name.trim().toLocaleLowerCase() === key);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1 || byId.length > 1) {
    const all = [...byId, ...byName.filter((v) => !byId.includes(v))];
    throw new ApiError('INVALID_ARGUMENT', `"${spec}" names ${all.length} voices (${all.map((v) => v.id).join(', ')}); give the id.`);
  }
  return undefined;
}
