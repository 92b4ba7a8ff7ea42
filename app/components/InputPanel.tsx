// Step 1: where the source clip comes from: the microphone, a file (dialog or drop) or the bundled
// demo clip. Decodes files and reports decode/microphone failures in plain words.
import { useState, type Ref } from 'react';
import demoUrl from '../../assets/demo/demo.wav?url';
import type { AudioData } from '../../src/api/types';
import { decodeAudioFile } from '../browser/decode';
import { codedError } from '../lib/errors';
import { ErrorNote } from './ErrorNote';
import { FileInput } from './FileInput';
import { RecordPanel, type RecordHandle } from './RecordPanel';

export type SourceOrigin = 'mic' | 'file' | 'demo';

interface Props {
  recordRef?: Ref<RecordHandle>;
  onSource: (name: string, audio: AudioData, origin: SourceOrigin) => void;
}

function recordingName(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `recording-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

export function InputPanel({ recordRef, onSource }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = async (label: string, task: () => Promise<{ name: string; audio: AudioData; origin: SourceOrigin }>) => {
    setError(null);
    setBusy(label);
    try {
      const { name, audio, origin } = await task();
      onSource(name, audio, origin);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const openFile = (file: File) =>
    load(`Reading ${file.name}…`, async () => ({ name: file.name, audio: await decodeAudioFile(file), origin: 'file' }));

  const openDemo = () =>
    load('Loading the demo clip…', async () => {
      const response = await fetch(demoUrl);
      if (!response.ok) throw codedError('DECODE', 'The demo clip is missing from this build.');
      return { name: 'demo', audio: await decodeAudioFile(await response.blob()), origin: 'demo' };
    });

  return (
    <section className="panel" aria-labelledby="input-title">
      <h2 id="input-title">
        <span className="step">1</span> Your voice
      </h2>
      <RecordPanel
        ref={recordRef}
        onRecorded={(audio) => {
          setError(null);
          onSource(recordingName(), audio, 'mic');
        }}
        onError={setError}
      />
      <FileInput onFile={openFile} disabled={busy !== null}>
        <button type="button" className="secondary" onClick={openDemo} disabled={busy !== null}>
          Try the demo clip
        </button>
      </FileInput>
      {busy && (
        <p className="hint" role="status">
          {busy}
        </p>
      )}
      <ErrorNote error={error} fallbackCode="DECODE" onDismiss={() => setError(null)} />
    </section>
  );
}
