import { memo } from 'react';
import { Brush, LineChart, usePlotArea, useXAxisScale, XAxis } from 'recharts';
import { formatTimeOfDay } from '../../lib/timeline-axes.ts';
import { lowerBound, type XY } from '../../lib/timeline-series.ts';
import { linear, type Win } from './timeline-charts.ts';

/** The overview's line, drawn over the overview chart's x scale (recharts' Line costs more than the chart). */
function OverviewLine({ overview }: { overview: XY[] }) {
  const x = useXAxisScale();
  const plot = usePlotArea();
  if (!x || !plot) return null;
  let max = 0;
  for (const p of overview) if (p.y > max) max = p.y;
  const y = linear(0, max || 1, plot.y + plot.height, plot.y);
  let d = '';
  for (const p of overview) d += `${d === '' ? 'M' : 'L'}${(x(p.x) ?? 0).toFixed(1)},${y(p.y).toFixed(1)}`;
  return <path d={d} fill="none" stroke="var(--muted)" strokeWidth={1} />;
}

/**
 * The whole release's request rate under a recharts Brush: dragging its ends or the window (or moving a
 * focused end with the arrow keys) zooms and pans the charts above; dragged to both ends, they follow
 * the live data again. The Brush follows the zoom buttons too.
 */
export const ZoomOverview = memo(function ZoomOverview({
  overview,
  zoom,
  width,
  onZoom,
}: {
  overview: XY[];
  zoom: Win | null;
  width: number;
  onZoom: (win: Win | null) => void;
}) {
  const last = overview.length - 1;
  const xs = overview.map((p) => p.x);
  const startIndex = zoom ? Math.min(last - 1, lowerBound(xs, zoom.fromMs)) : 0;
  const endIndex = zoom ? Math.max(startIndex + 1, lowerBound(xs, zoom.toMs + 1) - 1) : last;
  return (
    <LineChart width={width} height={50} data={overview} margin={{ top: 0, right: 16, bottom: 0, left: 64 }}>
      <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} hide />
      <OverviewLine overview={overview} />
      <Brush
        dataKey="x"
        height={24}
        stroke="var(--accent)"
        fill="var(--panel)"
        tickFormatter={formatTimeOfDay}
        ariaLabel="Zoom window edge"
        // Unzoomed, the Brush's end spans the data by itself: controlled indexes reach recharts' store before
        // the data they index (child effects run first), so a growing overview put an end past the data: NaN.
        // The start is always given (0 is in every overview): without it the arrow keys do not move an end.
        startIndex={startIndex}
        {...(zoom ? { endIndex } : {})}
        onChange={(r) => {
          const a = overview[r.startIndex ?? 0];
          const b = overview[r.endIndex ?? overview.length - 1];
          if (a && b)
            onZoom(
              r.startIndex === 0 && r.endIndex === overview.length - 1 ? null : { fromMs: a.x, toMs: b.x },
            );
        }}
      />
    </LineChart>
  );
});
