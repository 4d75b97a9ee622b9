import { useCallback, useEffect, useRef } from 'react';

/**
 * Keeps keyboard focus where a person expects it after an edit re-renders a list: call the returned function
 * with element ids, best first, before the edit; after the next render the first of them that can take focus
 * gets it (a button disabled at the end of a list passes it on to the next id).
 */
export function useFocusAfterEdit(): (...ids: string[]) => void {
  const pending = useRef<string[] | null>(null);
  useEffect(() => {
    const ids = pending.current;
    if (!ids) return;
    pending.current = null;
    for (const id of ids) {
      document.getElementById(id)?.focus();
      if (document.activeElement?.id === id) return;
    }
  });
  return useCallback((...ids: string[]) => {
    pending.current = ids;
  }, []);
}
