// What the conversion achieved and cost: speaker similarity of the result to the target and to the
// source (ConvertResult.similarity), the quality verdict of the output, per-stage timings and RTF.
// One total everywhere: the engine's `total`, which the RTF is computed from (not the stages summed
// with it, which counted it twice).
import type { ConvertResult } from '../../src/api/types';
import { stageLabel } from '../lib/format';

function Similarity({ label, value, testId }: { label: string; value: number; testId: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value * 100)));
  return (
    <div className="sim">
      <span>{label}</span>
      <div className="sim-bar" role="meter" aria-label={label} aria-valuemin={-100} aria-valuemax={100} aria-valuenow={Math.round(value * 100)}>
        <div style={{ width: `${pct}%` }} />
      </div>
      <output data-testid={testId}>{value.toFixed(2)}</output>
    </div>
  );
}

/**
 * The stages and the one total the speed line and the table both show: the engine's own `total`
 * (what the real-time factor is computed from), else the sum of the stages.
 */
export function timingRows(timings: Record<string, number>): { stages: [string, number][]; totalMs: number } {
  const stages = Object.entries(timings).filter(([stage]) => stage !== 'total');
  const totalMs = timings.total ?? stages.reduce((s, [, ms]) => s + ms, 0);
  return { stages, totalMs };
}

export function ResultStats({ result }: { result: ConvertResult }) {
  const { stages: timings, totalMs: total } = timingRows(result.timings);
  return (
    <div className="result-stats" role="region" aria-label="Result">
      <div className="sims">
        <Similarity label="Similarity to target" value={result.similarity.toTarget} testId="sim-target" />
        <Similarity label="Similarity to source" value={result.similarity.toSource} testId="sim-source" />
      </div>
      <details>
        <summary>
          Speed: real-time factor <strong data-testid="rtf">{result.rtf.toFixed(2)}</strong> ({(total / 1000).toFixed(2)} s in total)
        </summary>
        <table className="timings">
          <tbody>
            {timings.map(([stage, ms]) => (
              <tr key={stage}>
                <th scope="row">{stageLabel(stage)}</th>
                <td>{Math.round(ms)} ms</td>
              </tr>
            ))}
            <tr className="total">
              <th scope="row">Total</th>
              <td data-testid="total-ms">{Math.round(total)} ms</td>
            </tr>
          </tbody>
        </table>
      </details>
      {result.anomaly.verdict !== 'ok' && (
        <p className="warn small">Output check: {result.anomaly.reasons.join(' ') || result.anomaly.verdict}</p>
      )}
    </div>
  );
}
