// Step 3: the one primary action. Pitch offset, Convert, then the job's stage and progress with a
// Cancel button, and failures in plain words with what to do next. The quality choice picks how the
// result is synthesized (VoiceApi `quality`): Best (the neural vocoder), Fast (quicker previews) or
// Classic (Griffin-Lim, for whispers and other input without a trackable pitch).
// The content choice picks the model's content path: the continuous default, or discrete codes (VQ),
// offered only when the model export has them (version().capabilities) and otherwise shown disabled
// with the reason, so the option is discoverable without failing a conversion.
import type { ContentVariantName, VocoderQuality } from '../../src/api/types';
import { PITCH_RANGE_SEMITONES } from '../../src/api/types';
import type { ConversionView } from '../hooks/useConversion';
import { stageLabel } from '../lib/format';
import { ErrorNote } from './ErrorNote';

/** What each quality choice means, shown as its tooltip. */
const QUALITY_HINT: Record<VocoderQuality, string> = {
  best: 'Neural vocoder: natural harmonics at the target pitch',
  fast: 'Neural vocoder with one refinement pass: quicker, for previews',
  classic: 'Griffin-Lim: the older, breathier sound; use it for whispers or input without a clear pitch',
};

/** The one-line trade of the discrete variant, shown next to the choice. */
export const VQ_TRADE = 'Discrete codes: stronger conversion, some loss of clarity';

interface Props {
  conversion: ConversionView;
  pitch: number;
  onPitch: (semitones: number) => void;
  quality: VocoderQuality;
  onQuality: (q: VocoderQuality) => void;
  variant: ContentVariantName;
  onVariant: (v: ContentVariantName) => void;
  /** Whether the model export has the discrete (VQ) graphs; null while unknown. */
  vqAvailable: boolean | null;
  blocker: string | null;
  warning: string | null;
  targetLabel: string;
  onConvert: () => void;
}

export function ConvertPanel({ conversion, pitch, onPitch, quality, onQuality, variant, onVariant, vqAvailable, blocker, warning, targetLabel, onConvert }: Props) {
  const running = conversion.phase === 'running';
  const vqReason = vqAvailable === false ? 'This model export has no discrete-code (VQ) graphs.' : vqAvailable === null ? 'Checking the model export…' : null;
  const pct = Math.round(conversion.progress * 100);
  return (
    <section className="panel convert" aria-labelledby="convert-title">
      <h2 id="convert-title">
        <span className="step">3</span> Convert
      </h2>
      <div className="convert-row">
        <label className="field pitch">
          <span>
            Pitch <output data-testid="pitch-value">{pitch > 0 ? `+${pitch}` : pitch} st</output>
          </span>
          <input type="range" min={-PITCH_RANGE_SEMITONES} max={PITCH_RANGE_SEMITONES} step={1} value={pitch} aria-label="Pitch shift in semitones" onChange={(e) => onPitch(Number(e.target.value))} disabled={running} />
        </label>
        <label className="field">
          <span>Quality</span>
          <select aria-label="Conversion quality" value={quality} onChange={(e) => onQuality(e.target.value as VocoderQuality)} disabled={running} title={QUALITY_HINT[quality]}>
            <option value="best">Best</option>
            <option value="fast">Fast</option>
            <option value="classic">Classic (Griffin-Lim)</option>
          </select>
        </label>
        <label className="field">
          <span>Content</span>
          <select
            aria-label="Content codes"
            aria-describedby="variant-note"
            value={variant}
            onChange={(e) => onVariant(e.target.value as ContentVariantName)}
            disabled={running || !vqAvailable}
            title={vqReason ?? VQ_TRADE}
          >
            <option value="continuous">Continuous (clearest)</option>
            <option value="vq">Discrete codes</option>
          </select>
        </label>
        {!running ? (
          <button key="convert" type="button" className="primary" onClick={onConvert} disabled={!!blocker}>
            Convert{targetLabel ? ` to ${targetLabel}` : ''}
          </button>
        ) : (
          <button key="cancel" type="button" className="danger" onClick={conversion.cancel}>
            Cancel
          </button>
        )}
      </div>
      <p id="variant-note" className="muted small" data-testid="variant-note">
        {VQ_TRADE}
        {vqReason ? ` (not available: ${vqReason})` : '.'}
      </p>
      {blocker && !running && <p className="hint">{blocker}</p>}
      {warning && !running && <p className="warn small">{warning}</p>}
      {conversion.warnings.map((w) => (
        <p key={w} className="warn small" data-testid="conversion-warning">
          {w}
        </p>
      ))}
      {running && (
        <div className="progress" role="status" aria-live="polite">
          <div className="row">
            <span data-testid="stage">{stageLabel(conversion.stage)}</span>
            <span className="muted">{pct}%</span>
          </div>
          <progress max={100} value={pct} aria-label="Conversion progress" />
        </div>
      )}
      {conversion.phase === 'cancelled' && (
        <p className="muted" role="status">
          Conversion cancelled. Nothing was changed.
        </p>
      )}
      {conversion.phase === 'failed' && <ErrorNote error={conversion.error} />}
    </section>
  );
}
