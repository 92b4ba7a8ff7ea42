// Convert toward a recording without enrolling it (issue 15): a clip of someone speaking (3-30 s) is
// the target of the next conversions as it is, sent with each conversion (ConvertRequest.target
// { reference }) and never stored in the voice library. Picking a voice from the list ends it.
import { useRef, useState } from 'react';
import type { AudioData } from '../../src/api/types';
import { ACCEPTED_TYPES, decodeAudioFile } from '../browser/decode';
import { durationOf } from '../lib/wav';
import { ErrorNote } from './ErrorNote';

/** A one-shot target: the recording and the name it is shown under. */
export interface ReferenceClip {
  name: string;
  audio: AudioData;
}

interface Props {
  reference: ReferenceClip | null;
  onReference: (reference: ReferenceClip | null) => void;
  /** The current clip (step 1), offered as the reference too. */
  source: { name: string; audio: AudioData } | null;
}

export function ReferenceTarget({ reference, onReference, source }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const open = async (file: File) => {
    setBusy(true);
    setError(null);
    try {
      onReference({ name: file.name, audio: await decodeAudioFile(file) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="enroll reference-target" role="group" aria-label="Convert toward a recording">
      <h3>Or convert toward a recording, without saving it</h3>
      {reference ? (
        <p className="ok small" data-testid="reference-target">
          Target: <strong>{reference.name}</strong> ({durationOf(reference.audio).toFixed(1)} s), used for each conversion and not saved.{' '}
          <button type="button" className="secondary" onClick={() => onReference(null)}>
            Stop using it
          </button>
        </p>
      ) : (
        <p className="hint small">3 to 30 seconds of one person speaking. It is not added to your voices.</p>
      )}
      <div className="row">
        <button type="button" className="secondary" onClick={() => input.current?.click()} disabled={busy}>
          {busy ? 'Reading…' : 'Open a reference recording…'}
        </button>
        <button type="button" className="secondary" disabled={!source || busy} onClick={() => source && onReference({ name: source.name, audio: source.audio })}>
          Use the current clip once
        </button>
      </div>
      <input
        ref={input}
        type="file"
        accept={ACCEPTED_TYPES}
        aria-label="Open reference recording"
        className="visually-hidden"
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void open(file);
        }}
      />
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </div>
  );
}
