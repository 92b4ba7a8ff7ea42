// The anomaly track under the source waveform: per-frame reconstruction-error scores from analyze()
// as an SVG strip (1 = the calibrated threshold), with flagged regions shaded, on the same time axis.
import type { AnalysisReport } from '../../src/api/types';

export function AnomalyTrack({ report, durationSec }: { report: AnalysisReport; durationSec: number }) {
  const { scores, hopSec } = report.anomaly;
  const total = Math.max(durationSec, scores.length * hopSec, 1e-3);
  const W = 1000;
  const H = 36;
  const top = 2; // a score of 2x the threshold reaches the top
  const y = (s: number) => H - Math.min(top, Math.max(0, s)) / top * H;
  const points = scores.map((s, i) => `${((i * hopSec) / total) * W},${y(s)}`).join(' ');
  const flagged = report.flagged.length;
  return (
    <figure className="anomaly" aria-label={`Anomaly scores: ${flagged} flagged region${flagged === 1 ? '' : 's'}, mean score ${report.anomaly.meanScore.toFixed(2)}`}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-hidden="true">
        {report.flagged.map((r, i) => (
          <rect key={i} className="anomaly-flag" x={(r.start / total) * W} width={Math.max(1, ((r.end - r.start) / total) * W)} y={0} height={H}>
            <title>{r.reason}</title>
          </rect>
        ))}
        <line className="anomaly-threshold" x1={0} x2={W} y1={y(1)} y2={y(1)} />
        {scores.length > 1 && <polyline className="anomaly-line" points={points} fill="none" />}
      </svg>
      <figcaption className="muted small">
        {scores.length === 0
          ? 'No per-frame anomaly scores (the model is not loaded).'
          : `Anomaly score per frame (dashed line: threshold). ${flagged ? `${flagged} flagged region${flagged === 1 ? '' : 's'} shaded.` : 'Nothing flagged.'}`}
      </figcaption>
    </figure>
  );
}
