// What the conversion achieved and cost: whether the result sounds like the target and like the source
// speaker (ConvertResult.similarity, judged by the separately trained speaker verifier: likely /
// unclear / unlikely, the number on hover, or "not shown" with the reason), the quality verdict of the
// input, per-stage timings and RTF. One total everywhere: the engine's `total`, which the RTF is
// computed from (not the stages summed with it, which counted it twice).
import type { ConvertResult, SpeakerMatch } from '../../src/api/types';
import { stageLabel } from '../lib/format';
import { meterTitle, meterWord } from '../lib/meter';

function SoundsLike({ what, m, testId }: { what: 'target' | 'source'; m: SpeakerMatch; testId: string }) {
  return (
    <div className="sim" title={meterTitle(m)}>
      <span>Sounds like the {what}:</span>
      <output
        data-testid={testId}
        data-verdict={m.verdict ?? 'none'}
        data-cosine={m.cosine ?? ''}
        data-probability={m.probability ?? ''}
        className={`verdict ${m.verdict ?? 'none'}`}
        aria-label={`Sounds like the ${what}: ${meterWord(m)}${m.verdict ? '' : `. ${m.reason ?? ''}`}`}
      >
        {meterWord(m)}
      </output>
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

/** The reasons the meter is not shown, each once (both readings often share one). */
export function meterReasons(result: Pick<ConvertResult, 'similarity'>): string[] {
  const { toTarget, toSource } = result.similarity;
  return [...new Set([toTarget, toSource].filter((m) => !m.verdict && m.reason).map((m) => m.reason!))];
}

export function ResultStats({ result }: { result: ConvertResult }) {
  const { stages: timings, totalMs: total } = timingRows(result.timings);
  return (
    <div className="result-stats" role="region" aria-label="Result">
      <div className="sims">
        <SoundsLike what="target" m={result.similarity.toTarget} testId="sim-target" />
        <SoundsLike what="source" m={result.similarity.toSource} testId="sim-source" />
      </div>
      {meterReasons(result).map((r) => (
        <p key={r} className="muted small" data-testid="sim-reason">
          {r}
        </p>
      ))}
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
