// Shows a failure in plain words with what to do next (never a stack trace), announced to screen
// readers as an alert.
import { toPlainError } from '../lib/errors';

export function ErrorNote({ error, fallbackCode, onDismiss }: { error: unknown; fallbackCode?: string; onDismiss?: () => void }) {
  if (!error) return null;
  const e = toPlainError(error, fallbackCode);
  return (
    <div className="error-note" role="alert">
      <strong>{e.title}.</strong> <span>{e.detail}</span>
      <div className="next">{e.next}</div>
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss the message">
          Dismiss
        </button>
      )}
    </div>
  );
}
