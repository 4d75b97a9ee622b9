import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** Rows drawn above and below the visible ones, so a fast scroll shows no blank band. */
const OVERSCAN = 8;
/**
 * The slice moves in steps of this many rows: most scroll frames then change no row at all (the compositor only
 * moves the layer), and a frame that does swaps a whole step at once.
 */
const STEP = 16;

/** The slice of a long list a scroll box shows, with the heights of the space above and below it. */
export interface VisibleRows {
  first: number;
  last: number;
  padTop: number;
  padBottom: number;
}

/** What the slice depends on: the start of the step the scroll position is in, and the box's height (px). */
export interface RowView {
  top: number;
  height: number;
}

/** The view for a scroll position: only the step it is in counts, so a scroll within a step renders nothing. */
export function viewAt(scrollTop: number, height: number, rowPx: number): RowView {
  return { top: Math.floor(scrollTop / (STEP * rowPx)) * STEP * rowPx, height };
}

/** The rows to draw for a view: the step's rows and the box's height below it, with the overscan either side. */
export function sliceFor(view: RowView, count: number, rowPx: number): VisibleRows {
  const first = Math.max(0, Math.floor(view.top / rowPx) - OVERSCAN);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowPx) + STEP + OVERSCAN);
  return { first, last, padTop: first * rowPx, padBottom: Math.max(0, (count - last) * rowPx) };
}

/**
 * Windowing for a table of fixed-height rows: only the rows inside `box`'s viewport (plus a few) are rendered,
 * so thousands of workloads scroll as smoothly as ten. Recomputed at most once per animation frame, and
 * rendered again only when the scroll position enters another step.
 */
export function useVisibleRows(
  count: number,
  rowPx: number,
): { box: RefObject<HTMLDivElement | null>; rows: VisibleRows; onScroll: () => void } {
  const box = useRef<HTMLDivElement | null>(null);
  const [view, setView] = useState<RowView>({ top: 0, height: 800 });
  const frame = useRef(0);
  const measure = useCallback(() => {
    const el = box.current;
    if (!el) return;
    const next = viewAt(el.scrollTop, el.clientHeight || 800, rowPx);
    setView((v) => (v.top === next.top && v.height === next.height ? v : next));
  }, [rowPx]);
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
  return { box, onScroll, rows: sliceFor(view, count, rowPx) };
}
