// Shows a failure in plain words, the specific thing once and a next step only where it adds one
// (never a stack trace), announced to screen readers as an alert.
import { toPlainError } from '../lib/errors';

export function ErrorNote({ error, fallbackCode, onDismiss }: { error: unknown; fallbackCode?: string; onDismiss?: () => void }) {
  if (!error) return null;
  const e = toPlainError(error, fallbackCode);
  return (
    <div className="error-note" role="alert">
      {e.title ? (
        <>
          <strong>{e.title}.</strong> {e.detail && <span>{e.detail}</span>}
        </>
      ) : (
        <span>{e.detail}</span>
      )}
      {e.next && <div className="next">{e.next}</div>}
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss the message">
          Dismiss
        </button>
      )}
    </div>
  );
}
