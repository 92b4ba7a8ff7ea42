// The application shell: header, main area and status line. Later issues fill the main area with
// the record/load, voices, convert, compare and export panels.
import { useEffect, useState } from 'react';
import type { VersionInfo } from '../src/api/types';
import { api, transport } from './bridge';

export function App() {
  const [version, setVersion] = useState<VersionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.version().then(
      (v) => live && setVersion(v),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, []);

  const present = version?.models.filter((m) => m.present).length ?? 0;
  return (
    <div className="shell">
      <header className="header">
        <h1>VoiceShift</h1>
        <span className="tagline">One-shot voice conversion on your own machine</span>
      </header>
      <main className="main" aria-label="Workspace">
        <p>Record or load a clip, pick a target voice, convert, compare and export.</p>
      </main>
      <footer className="status" role="status" aria-label="Status">
        {error && <span className="error">Engine unavailable: {error}</span>}
        {version && (
          <span data-testid="version">
            VoiceShift {version.app} · onnxruntime {version.onnxruntime} · {present}/{version.models.length} models · {transport}
          </span>
        )}
        {!version && !error && <span>Connecting to the engine…</span>}
      </footer>
    </div>
  );
}
