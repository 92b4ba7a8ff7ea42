// Global keyboard shortcuts (see lib/shortcuts.ts); the listener is removed on unmount.
import { useEffect, useRef } from 'react';
import { shortcutFor, type Shortcut } from '../lib/shortcuts';

export function useShortcuts(handlers: Partial<Record<Shortcut, () => void>>): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
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
      });
      const run = shortcut ? ref.current[shortcut] : undefined;
      if (!run) return;
      e.preventDefault();
      run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
