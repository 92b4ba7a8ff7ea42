// The session's conversions, newest first: pick one to replay it in the comparison or to export it
// again. Kept in memory for this session only.
import type { AudioData, AnalysisReport, ConvertResult, MixEntry, VocoderQuality } from '../../src/api/types';
import { formatSeconds } from '../lib/format';
import { meterTitle, meterWord } from '../lib/meter';
import { durationOf } from '../lib/wav';

export interface HistoryItem {
  id: number;
  sourceName: string;
  source: AudioData;
  report: AnalysisReport | null;
  voiceLabel: string;
  pitch: number;
  /** The blend that was converted to (voice ids and weights), for the comparison bundle; empty for a one-shot reference. */
  mix: MixEntry[];
  /** The one-shot reference recording the result was converted toward, if that was the target. */
  reference?: AudioData;
  /** The quality choice, for the comparison bundle. */
  quality?: VocoderQuality;
  result: ConvertResult;
  suggestedName: string;
  at: Date;
}

interface Props {
  items: HistoryItem[];
  currentId: number | null;
  onPlay: (id: number) => void;
  onExport: (id: number) => void;
}

export function History({ items, currentId, onPlay, onExport }: Props) {
  return (
    <section className="panel history" aria-labelledby="history-title">
      <h2 id="history-title">This session</h2>
      {items.length === 0 ? (
        <p className="muted">Your conversions will be listed here to replay or export again.</p>
      ) : (
        <ol className="history-list" aria-label="Conversions">
          {items.map((h) => (
            <li key={h.id} aria-current={h.id === currentId ? 'true' : undefined} data-testid="history-item">
              <span className="history-what">
                <strong>{h.sourceName}</strong> → {h.voiceLabel}
                {h.pitch !== 0 ? ` (${h.pitch > 0 ? '+' : ''}${h.pitch} st)` : ''}
              </span>
              <span className="muted small">
                {h.at.toLocaleTimeString()} · {formatSeconds(durationOf(h.result.audio))} ·{' '}
                <span title={meterTitle(h.result.similarity.toTarget)} data-testid="history-meter">
                  sounds like the target: {meterWord(h.result.similarity.toTarget)}
                </span>
                {h.result.variant === 'vq' ? ' · discrete codes' : ''}
              </span>
              <span className="row">
                <button type="button" className="link" onClick={() => onPlay(h.id)} aria-label={`Replay ${h.sourceName} as ${h.voiceLabel}`}>
                  Replay
                </button>
                <button type="button" className="link" onClick={() => onExport(h.id)} aria-label={`Export ${h.sourceName} as ${h.voiceLabel} again`}>
                  Export
                </button>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
