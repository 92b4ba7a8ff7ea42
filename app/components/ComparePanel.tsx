// Step 4: source (A) and converted (B) waveforms stacked, with one cursor: seeking either moves both,
// playback follows the active side, and the A/B switch jumps to the other side at the same position.
// Zoom and an optional spectrogram apply to both. The source row carries the quality check's flagged
// regions and the anomaly track.
import { useCallback, useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import type WaveSurfer from 'wavesurfer.js';
import type { AnalysisReport, AudioData, ConvertResult } from '../../src/api/types';
import { useColorScheme } from '../hooks/useColorScheme';
import { useWaveSurfer } from '../hooks/useWaveSurfer';
import { formatClock } from '../lib/format';
import { durationOf } from '../lib/wav';
import { AnomalyTrack } from './AnomalyTrack';
import { ResultStats } from './ResultStats';
import { WaveTrack } from './WaveTrack';

export interface CompareHandle {
  playPause: () => void;
  toggleAB: () => void;
}

type Side = 'A' | 'B';

interface Props {
  ref?: Ref<CompareHandle>;
  source: AudioData | null;
  report: AnalysisReport | null;
  result: ConvertResult | null;
  resultLabel: string;
  /** Bumped to ask for playback of the converted side once it is ready (history "Replay"). */
  playRequest?: number;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function ComparePanel({ ref, source, report, result, resultLabel, playRequest = 0 }: Props) {
  const [spectrogram, setSpectrogram] = useState(false);
  const [zoom, setZoom] = useState(0);
  const [active, setActive] = useState<Side>('A');
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [sourceWindow, setSourceWindow] = useState<[number, number] | null>(null);
  // Re-render (and so re-read the colour variables) when the system theme changes.
  useColorScheme();
  const activeRef = useRef<Side>('A');
  activeRef.current = result ? active : 'A';

  const a = useWaveSurfer({
    audio: source,
    waveColor: cssVar('--wave-a', '#8aa4d6'),
    progressColor: cssVar('--wave-a-progress', '#2f6fed'),
    spectrogram,
    regions: report?.flagged,
    regionColor: cssVar('--flag', 'rgba(198, 40, 40, 0.22)'),
  });
  const b = useWaveSurfer({
    audio: result?.audio ?? null,
    waveColor: cssVar('--wave-b', '#d6a78a'),
    progressColor: cssVar('--wave-b-progress', '#d9731a'),
    spectrogram,
  });

  // A new result plays from side B; a new source without a result from side A.
  useEffect(() => setActive(result ? 'B' : 'A'), [result]);

  // A new clip, a new result or rebuilt views (the spectrogram toggle) start at 0: the clock and both
  // cursors with them, so the clock never shows an old position beside a cursor at the start.
  const sourceView = useRef(a.ws);
  sourceView.current = a.ws;
  useEffect(() => {
    setTime(0);
    const ws = sourceView.current;
    if (ws && ws.getDuration() > 0) ws.setTime(0);
  }, [source, result, spectrogram]);

  const pair = useCallback((side: Side): [WaveSurfer | null, WaveSurfer | null] => (side === 'A' ? [a.ws, b.ws] : [b.ws, a.ws]), [a.ws, b.ws]);

  // Keep the two cursors together and mirror play state.
  useEffect(() => {
    const offs: (() => void)[] = [];
    const link = (self: WaveSurfer | null, other: WaveSurfer | null, side: Side) => {
      if (!self) return;
      const clampTo = (ws: WaveSurfer, t: number) => Math.min(t, Math.max(0, ws.getDuration() - 0.001));
      offs.push(
        self.on('timeupdate', (t) => {
          if (activeRef.current !== side) return;
          setTime(t);
          if (other && other.getDuration() > 0) other.setTime(clampTo(other, t));
        }),
        self.on('interaction', (t) => {
          if (other && other.getDuration() > 0) other.setTime(clampTo(other, t));
          setTime(t);
        }),
        self.on('play', () => setPlaying(true)),
        self.on('pause', () => setPlaying(false)),
        self.on('finish', () => setPlaying(false)),
      );
      let syncing = false;
      offs.push(
        self.on('scroll', (start, end, left) => {
          if (side === 'A') setSourceWindow([start, end]);
          if (syncing || !other) return;
          syncing = true;
          other.setScroll(left);
          syncing = false;
        }),
      );
    };
    link(a.ws, b.ws, 'A');
    link(b.ws, a.ws, 'B');
    return () => {
      offs.forEach((off) => off());
      // A view destroyed while playing (new audio, the spectrogram toggle) sends no 'pause'.
      setPlaying(false);
    };
  }, [a.ws, b.ws]);

  useEffect(() => {
    if (zoom === 0) setSourceWindow(null);
    for (const [ws, ready] of [[a.ws, a.ready], [b.ws, b.ready]] as const) {
      if (ws && ready) {
        try {
          ws.zoom(zoom);
        } catch {
          // not decoded yet
        }
      }
    }
  }, [zoom, a.ws, a.ready, b.ws, b.ready]);

  const playPause = useCallback(() => {
    const [self] = pair(activeRef.current);
    if (self) void self.playPause().catch(() => {});
  }, [pair]);

  const toggleAB = useCallback(() => {
    if (!result) return;
    const from = activeRef.current;
    const to: Side = from === 'A' ? 'B' : 'A';
    const [self, other] = pair(from);
    if (!self || !other) return;
    const t = self.getCurrentTime();
    const wasPlaying = self.isPlaying();
    self.pause();
    other.setTime(Math.min(t, Math.max(0, other.getDuration() - 0.001)));
    activeRef.current = to;
    setActive(to);
    if (wasPlaying) void other.play().catch(() => {});
  }, [pair, result]);

  const handledPlay = useRef(playRequest);
  useEffect(() => {
    if (playRequest === handledPlay.current || !b.ws || !b.ready || b.loaded !== result?.audio) return;
    handledPlay.current = playRequest;
    activeRef.current = 'B';
    setActive('B');
    b.ws.setTime(0);
    void b.ws.play().catch(() => {});
  }, [playRequest, b.ws, b.ready, b.loaded, result]);

  useImperativeHandle(ref, () => ({ playPause, toggleAB }), [playPause, toggleAB]);

  // Stop playback when the panel goes away or the clips change (the views are destroyed anyway).
  useEffect(() => () => setPlaying(false), [source, result]);

  if (!source) {
    return (
      <section className="panel compare" aria-labelledby="compare-title">
        <h2 id="compare-title">
          <span className="step">4</span> Compare
        </h2>
        <p className="muted">Record, open a file or try the demo clip to see its waveform here.</p>
      </section>
    );
  }

  const side = result ? active : 'A';
  return (
    <section className="panel compare" aria-labelledby="compare-title">
      <h2 id="compare-title">
        <span className="step">4</span> Compare
      </h2>
      <div className="transport" role="toolbar" aria-label="Playback">
        <button type="button" className="secondary play-toggle" onClick={playPause} aria-keyshortcuts="Space" aria-label={playing ? 'Pause' : 'Play'}>
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <div className="ab-switch" role="radiogroup" aria-label="Listen to">
          <button type="button" role="radio" aria-checked={side === 'A'} onClick={() => side !== 'A' && toggleAB()} aria-keyshortcuts="B">
            A · Source
          </button>
          <button type="button" role="radio" aria-checked={side === 'B'} onClick={() => side !== 'B' && toggleAB()} disabled={!result} aria-keyshortcuts="B">
            B · Converted
          </button>
        </div>
        <span className="clock" aria-label="Playback position" data-testid="position">
          {formatClock(time)} / {formatClock(durationOf(source))}
        </span>
        <label className="field inline">
          <span>Zoom</span>
          <input type="range" min={0} max={400} step={10} value={zoom} aria-label="Zoom (pixels per second)" onChange={(e) => setZoom(Number(e.target.value))} />
        </label>
        <label className="check">
          <input type="checkbox" checked={spectrogram} onChange={(e) => setSpectrogram(e.target.checked)} />
          Spectrogram
        </label>
      </div>
      <WaveTrack view={a} label="A · Source" active={side === 'A'} testId="wave-source" spectrogram={spectrogram}>
        {report && <AnomalyTrack report={report} durationSec={durationOf(source)} window={zoom > 0 ? sourceWindow : null} />}
      </WaveTrack>
      {result ? (
        <>
          <WaveTrack view={b} label={`B · Converted (${resultLabel})`} active={side === 'B'} testId="wave-converted" spectrogram={spectrogram} />
          <ResultStats result={result} />
        </>
      ) : (
        <p className="muted">The converted clip appears here, under the source, after step 3.</p>
      )}
    </section>
  );
}
