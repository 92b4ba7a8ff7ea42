// Global keyboard shortcuts (see lib/shortcuts.ts); the listener is removed on unmount.
import { useEffect, useRef } from 'react';
import { shortcutFor, type Shortcut } from '../lib/shortcuts';

export function useShortcuts(handlers: Partial<Record<Shortcut, () => void>>): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    // Whether the focus got where it is by a click (or tap) rather than by Tab. Tracked here rather
    // than read from :focus-visible, which browsers may turn on at the key press itself.
    let focusedByPointer = false;
    const onPointer = () => (focusedByPointer = true);
    const onFocusKey = (e: KeyboardEvent) => {
      if (e.key === 'Tab') focusedByPointer = false;
    };
    const onKey = (e: KeyboardEvent) => {
      const el = e.target instanceof HTMLElement ? e.target : null;
      const shortcut = shortcutFor({
        key: e.key,
        code: e.code,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        repeat: e.repeat,
        targetTag: el?.tagName,
        targetType: el instanceof HTMLInputElement ? el.type : undefined,
        targetEditable: el?.isContentEditable,
        targetFocusVisible: !focusedByPointer,
      });
      const run = shortcut ? ref.current[shortcut] : undefined;
      if (!run) return;
      e.preventDefault();
      run();
    };
    window.addEventListener('pointerdown', onPointer, true);
    window.addEventListener('keydown', onFocusKey, true);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('pointerdown', onPointer, true);
      window.removeEventListener('keydown', onFocusKey, true);
      window.removeEventListener('keydown', onKey);
    };
  }, []);
}
