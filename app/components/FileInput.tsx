// Opening a clip from disk: an "Open file" button (the system file dialog, in Electron too) and a
// drop zone for drag-and-drop. Decoding happens in the app through decodeAudioFile.
import { useRef, useState, type ReactNode } from 'react';
import { ACCEPTED_TYPES } from '../browser/decode';

interface Props {
  onFile: (file: File) => void;
  disabled?: boolean;
  children?: ReactNode;
}

export function FileInput({ onFile, disabled, children }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file && !disabled) onFile(file);
      }}
    >
      <div className="row">
        <button type="button" className="secondary" onClick={() => input.current?.click()} disabled={disabled}>
          Open file…
        </button>
        {children}
      </div>
      <span className="hint">or drop a WAV, MP3, FLAC, OGG or M4A file here</span>
      <input
        ref={input}
        type="file"
        accept={ACCEPTED_TYPES}
        aria-label="Open audio file"
        className="visually-hidden"
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) onFile(file);
        }}
      />
    </div>
  );
}
