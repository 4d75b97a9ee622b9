import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** Rows drawn above and below the visible ones, so a fast scroll shows no blank band. */
const OVERSCAN = 8;

/** The slice of a long list a scroll box shows, with the heights of the space above and below it. */
export interface VisibleRows {
  first: number;
  last: number;
  padTop: number;
  padBottom: number;
}

/**
 * Windowing for a table of fixed-height rows: only the rows inside `box`'s viewport (plus a few) are rendered,
 * so thousands of workloads scroll as smoothly as ten. Recomputed at most once per animation frame.
 */
export function useVisibleRows(
  count: number,
  rowPx: number,
): { box: RefObject<HTMLDivElement | null>; rows: VisibleRows; onScroll: () => void } {
  const box = useRef<HTMLDivElement | null>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  const frame = useRef(0);
  const measure = useCallback(() => {
    const el = box.current;
    if (el) setView({ top: el.scrollTop, height: el.clientHeight || 800 });
  }, []);
  const onScroll = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      measure();
    });
  }, [measure]);
  useLayoutEffect(() => {
    measure();
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure]);
  const first = Math.max(0, Math.floor(view.top / rowPx) - OVERSCAN);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowPx) + OVERSCAN);
  return {
    box,
    onScroll,
    rows: { first, last, padTop: first * rowPx, padBottom: Math.max(0, (count - last) * rowPx) },
  };
}
