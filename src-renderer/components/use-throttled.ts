import { useEffect, useRef, useState } from 'react';

/**
 * The value, passed on at most once per `ms`: the latest one wins and is never dropped.
 * Keeps heavy views (the health timeline) from re-rendering on every live event.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(t);
  }, [value, ms]);
  return shown;
}
