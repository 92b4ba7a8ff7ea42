// Step 2: the target voices (built-in and enrolled): preview playback, pick one, add it to a blend,
// rename or delete enrolled voices (delete asks for confirmation inline).
import { useEffect, useRef, useState } from 'react';
import type { MixEntry, VoiceApi, VoiceInfo } from '../../src/api/types';
import { playAudioData } from '../browser/playback';
import { ErrorNote } from './ErrorNote';

interface Props {
  api: VoiceApi;
  voices: VoiceInfo[];
  mix: MixEntry[];
  onUse: (id: string) => void;
  onAddToBlend: (id: string) => void;
  onChanged: (focusId?: string) => void;
  onDeleted: (id: string) => void;
}

export function VoiceList({ api, voices, mix, onUse, onAddToBlend, onChanged, onDeleted }: Props) {
  const [playing, setPlaying] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const stopRef = useRef<(() => void) | null>(null);

  useEffect(() => () => stopRef.current?.(), []);

  const preview = async (v: VoiceInfo) => {
    stopRef.current?.();
    stopRef.current = null;
    if (playing === v.id) return setPlaying(null);
    setError(null);
    setPlaying(v.id);
    try {
      const audio = await api.previewVoice({ id: v.id });
      const p = playAudioData(audio);
      stopRef.current = p.stop;
      await p.done;
    } catch (err) {
      setError(err);
    }
    setPlaying((cur) => (cur === v.id ? null : cur));
  };

  const rename = async () => {
    if (!renaming) return;
    setError(null);
    try {
      await api.renameVoice({ id: renaming.id, name: renaming.name });
      setRenaming(null);
      onChanged(renaming.id);
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (id: string) => {
    setError(null);
    try {
      await api.deleteVoice({ id });
      setConfirming(null);
      onDeleted(id);
    } catch (err) {
      setError(err);
    }
  };

  const inMix = new Set(mix.map((m) => m.voiceId));
  const single = mix.length === 1 ? mix[0].voiceId : null;
  const groups: [string, VoiceInfo[]][] = [
    ['Built-in voices', voices.filter((v) => v.kind === 'builtin')],
    ['Your voices', voices.filter((v) => v.kind === 'enrolled')],
  ];

  return (
    <div className="voices">
      {groups.map(([title, list]) => (
        <div key={title}>
          <h3>{title}</h3>
          {list.length === 0 && <p className="muted small">{title === 'Your voices' ? 'None yet: enroll one below.' : 'None available.'}</p>}
          <ul className="voice-list" aria-label={title}>
            {list.map((v) => (
              <li key={v.id} className={`voice${inMix.has(v.id) ? ' selected' : ''}`} aria-current={single === v.id ? 'true' : undefined} data-testid={`voice-${v.id}`}>
                {renaming?.id === v.id ? (
                  <form
                    className="row"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void rename();
                    }}
                  >
                    <input aria-label={`New name for ${v.name}`} value={renaming.name} maxLength={80} autoFocus onChange={(e) => setRenaming({ id: v.id, name: e.target.value })} />
                    <button type="submit" className="secondary">Save</button>
                    <button type="button" className="link" onClick={() => setRenaming(null)}>Cancel</button>
                  </form>
                ) : confirming === v.id ? (
                  <div className="row confirm" role="group" aria-label={`Confirm deleting ${v.name}`}>
                    <span>Delete “{v.name}”? This cannot be undone.</span>
                    <button type="button" className="danger" onClick={() => void remove(v.id)}>Delete</button>
                    <button type="button" className="link" onClick={() => setConfirming(null)}>Keep</button>
                  </div>
                ) : (
                  <>
                    <button type="button" className="voice-pick" onClick={() => onUse(v.id)} aria-label={`Use ${v.name}`} aria-pressed={single === v.id}>
                      <span className={`dot ${v.kind}`} aria-hidden="true" />
                      <span className="voice-name">{v.name}</span>{' '}
                      <span className="muted small">
                        {[v.gender && v.gender !== 'unknown' ? v.gender : '', v.meanF0Hz ? `${Math.round(v.meanF0Hz)} Hz` : ''].filter(Boolean).join(' · ')}
                      </span>
                    </button>
                    <span className="voice-actions">
                      {v.hasPreview && (
                        <button type="button" className="icon" onClick={() => void preview(v)} aria-label={playing === v.id ? `Stop preview of ${v.name}` : `Preview ${v.name}`} title="Preview">
                          {playing === v.id ? '■' : '▶'}
                        </button>
                      )}
                      <button type="button" className="icon" onClick={() => onAddToBlend(v.id)} disabled={inMix.has(v.id)} aria-label={`Add ${v.name} to blend`} title="Add to blend">
                        +
                      </button>
                      {v.kind === 'enrolled' && (
                        <>
                          <button type="button" className="link small" onClick={() => setRenaming({ id: v.id, name: v.name })} aria-label={`Rename ${v.name}`}>
                            Rename
                          </button>
                          <button type="button" className="link small danger-text" onClick={() => setConfirming(v.id)} aria-label={`Delete ${v.name}`}>
                            Delete
                          </button>
                        </>
                      )}
                    </span>
                  </>
                )}
              </li>
            ))}
          </ul>
        </div>
      ))}
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </div>
  );
}
