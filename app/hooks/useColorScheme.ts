// Follows the system's light/dark preference so canvas-drawn views (waveforms) can recolour when it
// changes; CSS handles everything else through the variables in styles.css.
import { useEffect, useState } from 'react';

export function useColorScheme(): 'light' | 'dark' {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const [dark, setDark] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const onChange = () => setDark(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return dark ? 'dark' : 'light';
}
