// The always-visible list of keyboard shortcuts.
import { SHORTCUT_HINTS } from '../lib/shortcuts';

export function ShortcutsHint() {
  return (
    <p className="shortcuts" aria-label="Keyboard shortcuts">
      {SHORTCUT_HINTS.map((s) => (
        <span key={s.keys}>
          <kbd>{s.keys}</kbd> {s.action}
        </span>
      ))}
    </p>
  );
}
