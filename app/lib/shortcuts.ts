// Which keyboard shortcut a key press means (R record/stop, Space play/pause, B A/B switch), and when
// to leave keys alone: while typing in a field, with modifier keys, or on repeat.

export type Shortcut = 'record' | 'playPause' | 'toggleAB';

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  repeat?: boolean;
  /** Tag name of the focused element (upper case, as the DOM reports it). */
  targetTag?: string;
  /** `type` of a focused <input>. */
  targetType?: string;
  targetEditable?: boolean;
  /** Whether the focused element was reached with the keyboard (Tab), not by a click. */
  targetFocusVisible?: boolean;
}

const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'file', 'color']);

/** Whether the focused element takes typed text (where single-letter shortcuts must not fire). */
export function isTypingTarget(k: KeyLike): boolean {
  if (k.targetEditable) return true;
  const tag = (k.targetTag ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((k.targetType ?? 'text').toLowerCase());
  return false;
}

/** The shortcut for a key press, or null. */
export function shortcutFor(k: KeyLike): Shortcut | null {
  if (k.ctrlKey || k.metaKey || k.altKey || k.repeat) return null;
  if (isTypingTarget(k)) return null;
  const key = k.key.length === 1 ? k.key.toLowerCase() : k.key;
  if (key === 'r') return 'record';
  if (key === 'b') return 'toggleAB';
  if (key === ' ' || k.code === 'Space') {
    // Space is play/pause everywhere (also on a focused button: Enter still presses buttons). A
    // checkbox or radio button reached with the keyboard keeps Space, its only key; one that merely
    // kept focus after a click (the Spectrogram box) does not, so Space plays instead of toggling it.
    const tag = (k.targetTag ?? '').toUpperCase();
    const type = (k.targetType ?? '').toLowerCase();
    if (tag === 'INPUT' && (type === 'checkbox' || type === 'radio') && k.targetFocusVisible) return null;
    return 'playPause';
  }
  return null;
}

/** The list shown in the shortcuts hint. */
export const SHORTCUT_HINTS: readonly { keys: string; action: string }[] = [
  { keys: 'R', action: 'record / stop' },
  { keys: 'Space', action: 'play / pause' },
  { keys: 'B', action: 'switch A/B (source / converted)' },
];
