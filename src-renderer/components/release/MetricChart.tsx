import { memo, useId, useMemo, useSyncExternalStore } from 'react';
import { formatNumber, formatRatioAsPercent } from '../../../src-shared/format/number.ts';
import { formatTimeOfDay, timeTicks } from '../../lib/timeline-axes.ts';
import type { DrawnThreshold, Marker, PhaseBand } from '../../lib/timeline-marks.ts';
import type { HealthMetric } from '../../lib/timeline-series.ts';
import {
  linear,
  type ChartSpec,
  type Drawn,
  type LineStore,
  type Plot,
  type Scale,
  type Win,
} from './timeline-charts.ts';
import { PlotMarks } from './TimelinePlotMarks.tsx';

export interface ChartProps {
  chart: ChartSpec;
  lineStore: LineStore;
  /** The y axis ticks from 0; the last is the axis top (drawn points and thresholds fit under it). */
  yTicks: number[];
  win: Win;
  thresholds: readonly DrawnThreshold[];
  markers: readonly Marker[];
  bands: readonly PhaseBand[];
  showLabels: boolean;
  hoverX: number | null;
  onHover: (chart: ChartSpec['id'], x: number | null) => void;
  /** Set on the chart the pointer or keyboard is on: the hovered samples of its series, with their queries. */
  tooltip: ((metrics: readonly HealthMetric[], x: number) => React.ReactNode) | undefined;
  /** The panel's content width measured before the first paint, px: the charts draw at once at this size. */
  width: number;
  /** What the time axis's clock is, written left of its first tick (clear of its label): `sim` (the sandbox's clock) or the zone. */
  clockLabel: string;
}

/** One series as a single SVG path; recomputed only when its points or the axes change. */
const SeriesPath = memo(function SeriesPath({
  d,
  xScale,
  yScale,
}: {
  d: Drawn;
  xScale: Scale;
  yScale: Scale;
}) {
  const path = useMemo(() => {
    let out = '';
    for (const p of d.data) {
      out += `${out === '' ? 'M' : 'L'}${xScale(p.x).toFixed(1)},${yScale(p.y).toFixed(1)}`;
    }
    return out;
  }, [d.data, xScale, yScale]);
  // A single sample draws no line: a dot shows it is there.
  if (d.data.length === 1)
    return (
      <circle
        className="health-point"
        cx={xScale(d.data[0]!.x)}
        cy={yScale(d.data[0]!.y)}
        r={2.5}
        fill={d.colour}
        data-series={d.key}
      />
    );
  return (
    <path
      className="health-line"
      d={path}
      fill="none"
      stroke={d.colour}
      strokeWidth={1.5}
      strokeDasharray={d.metric === 'p99Ms' ? '4 3' : undefined}
      data-series={d.key}
    />
  );
});

/**
 * The lines of a chart, drawn directly from the downsampled points (one path per series), and the hover
 * cursor; subscribed to the line store, so a live update re-renders only this layer.
 */
function SeriesLayer({
  chart,
  lineStore,
  win,
  hoverX,
  at,
}: {
  chart: ChartSpec['id'];
  lineStore: LineStore;
  win: Win;
  hoverX: number | null;
  at: Plot;
}) {
  const { drawn, toMs } = useSyncExternalStore(lineStore.subscribe, () => lineStore.get(chart));
  const cursor = hoverX !== null && hoverX >= win.fromMs && hoverX <= win.toMs ? at.x(hoverX) : undefined;
  return (
    <g className="health-lines" data-drawn-to={toMs ?? undefined}>
      {drawn.map((d) => (
        <SeriesPath key={d.key} d={d} xScale={at.x} yScale={at.y} />
      ))}
      {cursor !== undefined && (
        <line
          className="health-cursor"
          x1={cursor}
          x2={cursor}
          y1={at.top}
          y2={at.top + at.height}
          stroke="var(--muted)"
        />
      )}
    </g>
  );
}

/** Room left of each plot for the value axis labels, px. */
const Y_AXIS_WIDTH = 64;

/**
 * One metric's chart, drawn as plain SVG: a chart here is a few dozen elements, and three recharts
 * charts cost about 0.3 s to set up (their store and selectors), which alone broke the first-render
 * budget of a release with a day of samples. recharts draws the zoom overview below them.
 */
export const MetricChart = memo(function MetricChart({
  chart,
  lineStore,
  yTicks,
  win,
  thresholds,
  markers,
  bands,
  showLabels,
  hoverX,
  onHover,
  tooltip,
  width,
  clockLabel,
}: ChartProps) {
  const lines = useMemo(
    () => thresholds.filter((t) => (chart.metrics as readonly HealthMetric[]).includes(t.metric)),
    [thresholds, chart],
  );
  const xTicks = useMemo(() => timeTicks(win.fromMs, win.toMs), [win]);
  // The first chart carries the step and marker labels above its plot and the time axis; the last one
  // the time axis again, under the stack.
  const showTime = showLabels || chart.id === 'rps';
  const height = (showLabels ? 150 : 120) + (showTime ? 0 : -16);
  const top = showLabels ? 18 : 6;
  const bottom = height - (showTime ? 22 : 6);
  const right = width - 16;
  const yTop = yTicks.at(-1)!;
  const at: Plot = useMemo(
    () => ({
      left: Y_AXIS_WIDTH,
      top,
      width: Math.max(0, right - Y_AXIS_WIDTH),
      height: bottom - top,
      x: linear(win.fromMs, win.toMs, Y_AXIS_WIDTH, right),
      y: linear(0, yTop, bottom, top),
    }),
    [top, bottom, right, win, yTop],
  );
  // An id usable in url(#…): React's ids carry characters CSS would need escaped.
  const labelBackground = `label-bg-${useId().replace(/[^\w-]/g, '')}`;
  const marks = { win, thresholds: lines, markers, bands, showLabels, at, labelBackground };
  const left = hoverX !== null && hoverX > (win.fromMs + win.toMs) / 2;
  return (
    <figure
      className="chart"
      aria-label={`${chart.label} by version`}
      tabIndex={0}
      style={{ position: 'relative' }}
      onKeyDown={(e) => {
        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
        e.preventDefault();
        const step = (win.toMs - win.fromMs) / 100;
        const from = hoverX ?? (e.key === 'ArrowLeft' ? win.toMs + step : win.fromMs - step);
        onHover(
          chart.id,
          Math.min(win.toMs, Math.max(win.fromMs, from + (e.key === 'ArrowLeft' ? -step : step))),
        );
      }}
      onBlur={() => onHover(chart.id, null)}
      onMouseMove={(e) => {
        const area = e.currentTarget.querySelector('.health-plot-area')?.getBoundingClientRect();
        if (!area || area.width <= 0 || e.clientY < area.top || e.clientY > area.bottom)
          return onHover(chart.id, null);
        const f = Math.min(1, Math.max(0, (e.clientX - area.left) / area.width));
        onHover(chart.id, win.fromMs + f * (win.toMs - win.fromMs));
      }}
      onMouseLeave={() => onHover(chart.id, null)}
    >
      <figcaption>
        {chart.label} <span className="muted small">({chart.unit === 'ratio' ? '%' : chart.unit})</span>
      </figcaption>
      <svg
        className="health-chart"
        width={width}
        height={height}
        style={{ overflow: 'visible' }}
        aria-hidden="true"
      >
        <defs>
          <filter id={labelBackground} x="-0.02" y="0" width="1.04" height="1">
            <feFlood style={{ floodColor: 'var(--panel)' }} floodOpacity={0.85} />
            <feMerge>
              <feMergeNode />
              <feMergeNode in="SourceGraphic" />
            </feMerge>
          </filter>
        </defs>
        {yTicks.map((v) => (
          <line key={v} x1={at.left} x2={right} y1={at.y(v)} y2={at.y(v)} stroke="var(--grid)" />
        ))}
        <PlotMarks {...marks} layer="under" />
        <SeriesLayer chart={chart.id} lineStore={lineStore} win={win} hoverX={hoverX} at={at} />
        <PlotMarks {...marks} layer="over" />
        <g className="health-axis" fontSize={11} fill="var(--muted)" stroke="none">
          <line x1={at.left} x2={at.left} y1={at.top} y2={bottom} stroke="var(--muted)" />
          {yTicks.map((v) => (
            <text key={v} x={at.left - 6} y={at.y(v) + 4} textAnchor="end">
              {chart.unit === 'ratio' ? formatRatioAsPercent(v) : formatNumber(v)}
            </text>
          ))}
          {showTime && (
            <>
              <line x1={at.left} x2={right} y1={bottom} y2={bottom} stroke="var(--muted)" />
              <text className="health-clock" x={at.left - 28} y={bottom + 15} textAnchor="end">
                {clockLabel}
              </text>
              {xTicks.map((t) => (
                <g key={t}>
                  <line x1={at.x(t)} x2={at.x(t)} y1={bottom} y2={bottom + 4} stroke="var(--muted)" />
                  <text x={at.x(t)} y={bottom + 15} textAnchor="middle">
                    {formatTimeOfDay(t)}
                  </text>
                </g>
              ))}
            </>
          )}
        </g>
      </svg>
      {tooltip && hoverX !== null && (
        <div
          role="tooltip"
          style={{
            position: 'absolute',
            top: 24,
            zIndex: 2,
            pointerEvents: 'none',
            ...(left ? { right: '52%' } : { left: '52%' }),
          }}
        >
          {tooltip(chart.metrics, hoverX)}
        </div>
      )}
    </figure>
  );
});
