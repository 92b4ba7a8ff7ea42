// Enrolls a new target voice one-shot from the current clip (3-30 s of speech) under a name.
import { useState } from 'react';
import type { AudioData, VoiceApi, VoiceInfo } from '../../src/api/types';
import { ErrorNote } from './ErrorNote';

interface Props {
  api: VoiceApi;
  source: { name: string; audio: AudioData } | null;
  onEnrolled: (voice: VoiceInfo) => void;
}

export function EnrollForm({ api, source, onEnrolled }: Props) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const canEnroll = !!source && name.trim().length > 0 && !busy;
  return (
    <form
      className="enroll"
      aria-label="Enroll a new voice"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!source || !canEnroll) return;
        setBusy(true);
        setError(null);
        setDone(null);
        try {
          const voice = await api.enrollVoice({ name: name.trim(), audio: source.audio });
          setDone(`Enrolled “${voice.name}”. It is now your target voice.`);
          setName('');
          onEnrolled(voice);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>Enroll a voice from the current clip</h3>
      <div className="row">
        <input aria-label="New voice name" placeholder="Voice name" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="secondary" disabled={!canEnroll}>
          {busy ? 'Enrolling…' : 'Enroll'}
        </button>
      </div>
      <p className="hint small">{source ? `Uses “${source.name}”: 3 to 30 seconds of one person speaking.` : 'Record or load a clip of the voice first (3 to 30 s of speech).'}</p>
      {done && (
        <p className="ok small" role="status">
          {done}
        </p>
      )}
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </form>
  );
}
