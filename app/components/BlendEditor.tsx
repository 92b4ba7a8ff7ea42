// The target as a blend of voices: one weight slider per voice, shares shown normalized to 100%,
// remove buttons. One voice is simply that voice.
import type { MixEntry, VoiceInfo } from '../../src/api/types';
import { blendLabel, normalizeWeights } from '../lib/blend';

interface Props {
  voices: VoiceInfo[];
  mix: MixEntry[];
  onChange: (mix: MixEntry[]) => void;
}

export function BlendEditor({ voices, mix, onChange }: Props) {
  const names = new Map(voices.map((v) => [v.id, v.name]));
  const shares = normalizeWeights(mix);
  if (mix.length === 0) return <p className="muted" data-testid="target-label">No target voice yet: pick one from the list.</p>;
  return (
    <div className="blend" role="group" aria-label="Target voice blend">
      <p>
        Target: <strong data-testid="target-label">{blendLabel(mix, voices)}</strong>
      </p>
      {mix.length > 1 && (
        <ul className="blend-list">
          {mix.map((m, i) => {
            const name = names.get(m.voiceId) ?? m.voiceId;
            return (
              <li key={m.voiceId} className="blend-row">
                <label htmlFor={`w-${m.voiceId}`}>{name}</label>
                <input
                  id={`w-${m.voiceId}`}
                  type="range"
                  min={0}
                  max={100}
                  step={1}
                  value={Math.round(m.weight * 100)}
                  aria-label={`Weight of ${name}`}
                  aria-valuetext={`${Math.round(shares[i].weight * 100)} percent`}
                  onChange={(e) => onChange(mix.map((x) => (x.voiceId === m.voiceId ? { ...x, weight: Number(e.target.value) / 100 } : x)))}
                />
                <output>{Math.round(shares[i].weight * 100)}%</output>
                <button type="button" className="icon" aria-label={`Remove ${name} from blend`} onClick={() => onChange(mix.filter((x) => x.voiceId !== m.voiceId))}>
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {mix.length === 1 && <p className="hint small">Press + on another voice to blend it in.</p>}
    </div>
  );
}
