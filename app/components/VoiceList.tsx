// Step 2: the target voices (built-in and enrolled): search them, built-ins grouped by gender from the
// lowest pitch up, each with the id the command line takes; preview playback, pick one, add it to a
// blend, rename or delete enrolled voices (delete asks for confirmation inline).
import { useEffect, useRef, useState } from 'react';
import type { MixEntry, VoiceApi, VoiceInfo } from '../../src/api/types';
import { playAudioData } from '../browser/playback';
import { groupByGender, searchVoices } from '../lib/voice-groups';
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
  const [query, setQuery] = useState('');
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
  const searching = query.trim() !== '';
  const builtin = searchVoices(voices.filter((v) => v.kind === 'builtin'), query);
  const enrolled = searchVoices(voices.filter((v) => v.kind === 'enrolled'), query);
  const empty = (title: string): string =>
    searching ? `No voice matches “${query.trim()}”.` : title === 'Your voices' ? 'None yet: enroll one below.' : 'None available.';

  const row = (v: VoiceInfo) => (
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
            <span className="voice-traits muted small">
              {/* Built-in voices sit under a gender heading already; enrolled ones say it here. */}
              {[v.kind !== 'builtin' && v.gender && v.gender !== 'unknown' ? v.gender : '', v.meanF0Hz ? `${Math.round(v.meanF0Hz)} Hz` : ''].filter(Boolean).join(' · ')}
            </span>
            <code className="voice-id muted small" title="The id for the command line: vc convert --voice <id>">{v.id}</code>
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
  );

  return (
    <div className="voices">
      <label className="field voice-search">
        <span>Find a voice</span>
        <input type="search" value={query} placeholder="name, id, female or male" onChange={(e) => setQuery(e.target.value)} />
      </label>
      <div>
        <h3>Built-in voices</h3>
        {builtin.length === 0 && <p className="muted small">{empty('Built-in voices')}</p>}
        <ul className="voice-list" aria-label="Built-in voices">
          {groupByGender(builtin).map(([title, list]) => (
            <li key={title} className="voice-group">
              <h4 className="voice-group-title">{title}</h4>
              <ul className="voice-sublist" aria-label={title}>
                {list.map(row)}
              </ul>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h3>Your voices</h3>
        {enrolled.length === 0 && <p className="muted small">{empty('Your voices')}</p>}
        <ul className="voice-list" aria-label="Your voices">
          {enrolled.map(row)}
        </ul>
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </div>
  );
}
