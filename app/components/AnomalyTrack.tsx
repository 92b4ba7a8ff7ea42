// The anomaly track under the source waveform: per-frame reconstruction-error scores from analyze()
// as an SVG strip (1 = the calibrated threshold), with flagged regions shaded, on the same time axis.
import type { AnalysisReport } from '../../src/api/types';

interface Props {
  report: AnalysisReport;
  durationSec: number;
  /** The visible time window of the zoomed waveform above, seconds; the whole clip when absent. */
  window?: [number, number] | null;
}

/**
 * What the strip shows, without a verdict of its own (the verdict and its reasons are the quality
 * check's): no "nothing flagged" beside a rejected clip, no "model not loaded" beside loaded models.
 */
export function anomalyCaption(report: AnalysisReport): string {
  if (report.anomaly.scores.length === 0) return 'No anomaly scores for this clip: it is too short or silent to judge.';
  const n = report.flagged.length;
  return `Anomaly score per frame (dashed line: threshold)${n ? `; ${n} region${n === 1 ? '' : 's'} that do not sound like clean speech shaded` : ''}.`;
}

export function AnomalyTrack({ report, durationSec, window }: Props) {
  const { scores, hopSec } = report.anomaly;
  const full = Math.max(durationSec, 1e-3);
  const [t0, t1] = window && window[1] > window[0] ? window : [0, full];
  const span = t1 - t0;
  const W = 1000;
  const xOf = (t: number) => ((t - t0) / span) * W;
  const H = 36;
  const top = 2; // a score of 2x the threshold reaches the top
  const y = (s: number) => H - Math.min(top, Math.max(0, s)) / top * H;
  const points = scores.map((s, i) => `${xOf(i * hopSec).toFixed(1)},${y(s).toFixed(1)}`).join(' ');
  const flagged = report.flagged.length;
  return (
    <figure className="anomaly" aria-label={`Anomaly scores: ${flagged} flagged region${flagged === 1 ? '' : 's'}, mean score ${report.anomaly.meanScore.toFixed(2)}`}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-hidden="true">
        {report.flagged.map((r, i) => (
          <rect key={i} className="anomaly-flag" x={xOf(r.start)} width={Math.max(1, ((r.end - r.start) / span) * W)} y={0} height={H}>
            <title>{r.reason}</title>
          </rect>
        ))}
        <line className="anomaly-threshold" x1={0} x2={W} y1={y(1)} y2={y(1)} />
        {scores.length > 1 && <polyline className="anomaly-line" points={points} fill="none" />}
      </svg>
      <figcaption className="muted small">{anomalyCaption(report)}</figcaption>
    </figure>
  );
}
