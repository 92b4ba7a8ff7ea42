// The quality check of the source clip (analyze()): a verdict with its reasons and the key numbers,
// so a bad take is caught before converting; a quiet take is offered a level fix.
import type { AnalysisReport } from '../../src/api/types';
import { formatDb, formatPercent, formatSeconds } from '../lib/format';
import { offerNormalize } from '../lib/normalize';
import { ErrorNote } from './ErrorNote';

export type AnalysisState = { status: 'running' } | { status: 'done'; report: AnalysisReport } | { status: 'error'; error: unknown };

const VERDICT: Record<AnalysisReport['verdict'], string> = {
  ok: 'Good take',
  warn: 'Usable, with warnings',
  reject: 'Not suitable for conversion',
};

interface Props {
  name: string;
  durationSec: number;
  state: AnalysisState | undefined;
  /** Replaces the clip by a level-normalized copy; offered for quiet takes. */
  onNormalize?: () => void;
}

export function AnalysisPanel({ name, durationSec, state, onNormalize }: Props) {
  return (
    <div className="analysis" aria-label="Quality check" role="region">
      <div className="row">
        <strong className="source-name" data-testid="source-name">
          {name}
        </strong>
        <span data-testid="source-duration" data-seconds={durationSec.toFixed(3)}>
          {formatSeconds(durationSec)}
        </span>
        {state?.status === 'running' && <span className="muted">Checking the clip…</span>}
        {state?.status === 'done' && (
          <span className={`badge verdict-${state.report.verdict}`} data-testid="verdict">
            {VERDICT[state.report.verdict]}
          </span>
        )}
      </div>
      {state?.status === 'done' && (
        <>
          {state.report.reasons.length > 0 && (
            <ul className="reasons" aria-label="Why">
              {state.report.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
          {onNormalize && offerNormalize(state.report.peakDb) && (
            <p className="row small">
              <span>The take is quiet (peak {formatDb(state.report.peakDb, 'dBFS')}); converted, it would be just as quiet.</span>
              <button type="button" className="secondary" onClick={onNormalize}>
                Normalize level
              </button>
            </p>
          )}
          <dl className="stats">
            <dt>Peak</dt>
            <dd>{formatDb(state.report.peakDb, 'dBFS')}</dd>
            <dt>Loudness</dt>
            <dd>{formatDb(state.report.loudnessLufs, 'LUFS')}</dd>
            <dt>SNR</dt>
            <dd>{formatDb(state.report.snrDb)}</dd>
            <dt>Clipping</dt>
            <dd>{formatPercent(state.report.clippingRatio)}</dd>
            <dt>Silence</dt>
            <dd>{formatPercent(state.report.silenceRatio)}</dd>
          </dl>
        </>
      )}
      {state?.status === 'error' && <ErrorNote error={state.error} />}
    </div>
  );
}
