import {
  memo,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { Brush, LineChart, usePlotArea, useXAxisScale, XAxis } from 'recharts';
import type { Decision, SampleRecord, StepView } from '../../../src-shared/release/release.schema.ts';
import { formatNumber, formatRatioAsPercent } from '../../../src-shared/format/number.ts';
import { formatValue } from '../../lib/format.ts';
import { formatTimeOfDay, panWindow, timeTicks, valueTicks, zoomWindow } from '../../lib/timeline-axes.ts';
import {
  bucketWidthMs,
  drawable,
  keepUnchanged,
  nearestPoint,
  thinMinMax,
} from '../../lib/timeline-drawable.ts';
import {
  decisionMarkers,
  nearestSample,
  phaseBands,
  spreadLabels,
  type PhaseBand,
  type ThresholdLine,
} from '../../lib/timeline-marks.ts';
import {
  HEALTH_METRICS,
  lowerBound,
  seriesSpan,
  type HealthHistory,
  type HealthMetric,
  type XY,
} from '../../lib/timeline-series.ts';

export interface HealthTimelineProps {
  /** The release's health as the store keeps it (per-version columns, all the samples). */
  health: HealthHistory;
  decisions: readonly Decision[];
  samples: readonly SampleRecord[];
  steps: readonly StepView[];
  thresholds: readonly ThresholdLine[];
  /** The release clock's now (ms), where the last phase band ends. */
  nowMs: number;
  /** Points drawn per series at most (the full data stays for hover). */
  maxPoints?: number;
}

/** The charts drawn: p95 and p99 share one (same unit), each chart one unit. */
const CHARTS = [
  { id: 'errors', label: 'Error rate', unit: 'ratio', metrics: ['errorRate'] },
  { id: 'latency', label: 'Latency p95 (solid) and p99 (dashed)', unit: 'ms', metrics: ['p95Ms', 'p99Ms'] },
  { id: 'rps', label: 'Request rate', unit: 'req/s', metrics: ['rps'] },
] as const satisfies readonly { id: string; label: string; unit: string; metrics: readonly HealthMetric[] }[];
type ChartSpec = (typeof CHARTS)[number];

const VERSION_COLOURS = ['var(--series-1)', 'var(--series-2)', 'var(--series-3)', 'var(--series-4)'];
const MARKER_COLOURS = {
  promote: 'var(--ok)',
  pause: 'var(--warn)',
  abort: 'var(--prod)',
  rollback: 'var(--prod)',
};

/** Labels over lines and bands get a halo in the panel's colour, so crossing lines do not garble them. */
const HALO = { stroke: 'var(--panel)', strokeWidth: 3, paintOrder: 'stroke' } as const;

type Win = { fromMs: number; toMs: number };
type Drawn = { key: string; metric: HealthMetric; version: string; colour: string; data: XY[] };
/** The hovered time (a real sample's, ms) and the chart the pointer or keyboard is on. */
type Hover = { chart: ChartSpec['id']; x: number };
type Scale = (v: number) => number;
/** Where a chart draws: its plot rectangle (px inside the chart's SVG) and the scales onto it. */
interface Plot {
  x: Scale;
  y: Scale;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The linear map of `[d0, d1]` onto `[r0, r1]`. */
function linear(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/**
 * The drawn points of every chart, outside React props: the charts' axes and reference lines do not
 * re-render when only the lines change; each chart's line layer subscribes to its own entry.
 */
interface LineStore {
  get(chart: ChartSpec['id']): { drawn: Drawn[]; toMs: number | null };
  set(drawn: Record<ChartSpec['id'], Drawn[]>, toMs: number | null): void;
  subscribe(listener: () => void): () => void;
}

const NOTHING: { drawn: Drawn[]; toMs: number | null } = { drawn: [], toMs: null };

function createLineStore(): LineStore {
  let state: Partial<Record<ChartSpec['id'], { drawn: Drawn[]; toMs: number | null }>> = {};
  const listeners = new Set<() => void>();
  return {
    get: (chart) => state[chart] ?? NOTHING,
    set(drawn, toMs) {
      const next: typeof state = {};
      for (const c of CHARTS) {
        const prev = state[c.id];
        const same =
          prev?.toMs === toMs &&
          prev.drawn.length === drawn[c.id].length &&
          prev.drawn.every((d, i) => d.data === drawn[c.id][i]!.data && d.colour === drawn[c.id][i]!.colour);
        next[c.id] = same ? prev : { drawn: drawn[c.id], toMs };
      }
      state = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

interface ChartProps {
  chart: ChartSpec;
  lineStore: LineStore;
  /** The y axis ticks from 0; the last is the axis top (drawn points and thresholds fit under it). */
  yTicks: number[];
  win: Win;
  thresholds: readonly ThresholdLine[];
  markers: ReturnType<typeof decisionMarkers>;
  bands: ReturnType<typeof phaseBands>;
  showLabels: boolean;
  hoverX: number | null;
  onHover: (chart: ChartSpec['id'], x: number | null) => void;
  /** Set on the chart the pointer or keyboard is on: the hovered samples of its series, with their queries. */
  tooltip: ((metrics: readonly HealthMetric[], x: number) => React.ReactNode) | undefined;
  /** The panel's content width measured before the first paint, px: the charts draw at once at this size. */
  width: number;
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

/**
 * What the chart marks on its plot: the plan's steps as shaded bands, its thresholds as dashed lines
 * (labels moved apart so close thresholds stay readable), and the decision markers.
 */
const PlotMarks = memo(function PlotMarks({
  win,
  thresholds,
  markers,
  bands,
  showLabels,
  at,
  labelBackground,
  layer,
}: Pick<ChartProps, 'win' | 'thresholds' | 'markers' | 'bands' | 'showLabels'> & {
  at: Plot;
  /** The id of the chart's SVG filter that paints a label's box in the panel's colour behind it. */
  labelBackground: string;
  /** `under` the series: the plot area, bands and lines; `over` them: the labels, so nothing crosses them. */
  layer: 'under' | 'over';
}) {
  const right = at.left + at.width;
  const bottom = at.top + at.height;
  const lineYs = thresholds.map((t) => at.y(t.value));
  // Labels sit just above their line; close ones are spread upwards 11 px apart.
  const labelYs = spreadLabels(
    lineYs.map((y) => y - 4),
    11,
  );
  const shown = markers.filter((m) => m.atMs >= win.fromMs && m.atMs <= win.toMs);
  const over = layer === 'over';
  return (
    <g className={over ? 'health-labels' : 'health-marks'}>
      {!over && (
        // Where the plot is on screen, for the figure's pointer handler.
        <rect
          className="health-plot-area"
          x={at.left}
          y={at.top}
          width={at.width}
          height={at.height}
          fill="none"
          pointerEvents="none"
        />
      )}
      {(!over || showLabels) &&
        bands.map((b, i) => {
          const from = Math.max(b.fromMs, win.fromMs);
          const to = Math.min(b.toMs, win.toMs);
          if (to <= from) return null;
          const x1 = at.x(from);
          return (
            // A nested svg clips the step's label to its band.
            <svg
              key={`band-${b.stepIndex}`}
              x={x1}
              y={at.top}
              width={Math.max(0, at.x(to) - x1)}
              height={at.height}
            >
              {over ? (
                <text className="health-label" {...HALO} x={4} y={12} fontSize={10} fill="var(--muted)">
                  {b.label}
                </text>
              ) : (
                <rect width="100%" height="100%" fill={i % 2 === 0 ? 'var(--band-a)' : 'var(--band-b)'} />
              )}
            </svg>
          );
        })}
      {thresholds.map((t, i) =>
        over ? (
          // On the panel's colour, exactly behind the text: several thresholds' lines often run close
          // under the labels.
          <text
            key={`t-${t.metric}-${t.value}`}
            className="health-label"
            filter={`url(#${labelBackground})`}
            x={right - 4}
            y={labelYs[i]}
            textAnchor="end"
            fontSize={10}
            fill="var(--prod)"
          >
            {t.label}
          </text>
        ) : (
          <line
            key={`t-${t.metric}-${t.value}`}
            className="health-threshold"
            x1={at.left}
            x2={right}
            y1={lineYs[i]}
            y2={lineYs[i]}
            stroke="var(--prod)"
            strokeDasharray="5 4"
          />
        ),
      )}
      {(!over || showLabels) &&
        shown.map((m) =>
          over ? (
            <text
              key={`m-${m.atMs}-${m.kind}`}
              className="health-label"
              {...HALO}
              x={at.x(m.atMs)}
              y={at.top - 4}
              textAnchor="middle"
              fontSize={11}
              fill={MARKER_COLOURS[m.kind]}
            >
              {m.label}
            </text>
          ) : (
            <line
              key={`m-${m.atMs}-${m.kind}`}
              className={`health-marker health-marker-${m.kind}`}
              x1={at.x(m.atMs)}
              x2={at.x(m.atMs)}
              y1={at.top}
              y2={bottom}
              stroke={MARKER_COLOURS[m.kind]}
              strokeWidth={2}
            />
          ),
        )}
    </g>
  );
});

/** Room left of each plot for the value axis labels, px. */
const Y_AXIS_WIDTH = 64;

/**
 * One metric's chart, drawn as plain SVG: a chart here is a few dozen elements, and three recharts
 * charts cost about 0.3 s to set up (their store and selectors), which alone broke the first-render
 * budget of a release with a day of samples. recharts draws the zoom overview below them.
 */
const MetricChart = memo(function MetricChart({
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
const ZoomOverview = memo(function ZoomOverview({
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
        // Unzoomed, the Brush spans the data by itself. Controlled indexes reach recharts' store before the
        // data they index (child effects run first), so a growing overview put an end past the data: NaN.
        {...(zoom ? { startIndex, endIndex } : {})}
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

/**
 * Error rate, p95, p99 and request rate per version, with the plan's thresholds, shaded steps and
 * decision markers; zoom and pan redraw the window from the full data, hover reads the full data.
 */
export function HealthTimeline({
  health,
  decisions,
  samples,
  steps,
  thresholds,
  nowMs,
  maxPoints = 800,
}: HealthTimelineProps) {
  const series = health.series;
  const span = useMemo(() => seriesSpan(series), [series]);
  const [zoom, setZoom] = useState<Win | null>(null);
  const markers = useMemo(() => decisionMarkers(decisions), [decisions]);
  // Following live, the window ends a little past the last sample (or the last decision, which can come
  // after it: an abort's marker must show), on a step of a few buckets, so the axes and reference lines
  // stay put for most updates and only the lines' last points move.
  const lastMarkerMs = markers.at(-1)?.atMs ?? -Infinity;
  const liveEnd = useMemo(() => {
    if (!span) return null;
    const step = bucketWidthMs(span.toMs - span.fromMs, maxPoints / 2) * 8;
    return Math.ceil((Math.max(span.toMs, lastMarkerMs) + 1) / step) * step;
  }, [span, maxPoints, lastMarkerMs]);
  const winFrom = zoom?.fromMs ?? span?.fromMs ?? nowMs - 60_000;
  const winTo = zoom?.toMs ?? liveEnd ?? nowMs;
  const win: Win = useMemo(() => ({ fromMs: winFrom, toMs: winTo }), [winFrom, winTo]);
  const versions = useMemo(() => [...series.keys()], [series]);
  // New samples and snapshots arrive every second; the charts re-render only when a band really moved.
  const [lastBands] = useState(() => new Map<'bands', PhaseBand[]>());
  const bands = useMemo(() => {
    const next = phaseBands(steps, decisions, samples, liveEnd ?? nowMs);
    const prev = lastBands.get('bands');
    if (prev && JSON.stringify(next) === JSON.stringify(prev)) return prev;
    lastBands.set('bands', next);
    return next;
  }, [steps, decisions, samples, liveEnd, nowMs, lastBands]);

  // The last drawn points per series: a series whose points did not change keeps its array (and a
  // changed one its unchanged point objects), so only the paths that changed are rebuilt.
  const [lastDrawn] = useState(() => new Map<string, XY[]>());
  const drawnByChart = useMemo(() => {
    const out = {} as Record<ChartSpec['id'], Drawn[]>;
    for (const c of CHARTS) {
      out[c.id] = c.metrics.flatMap((metric) =>
        versions.map((v, i) => {
          const key = `${v}/${metric}`;
          const data = drawable(series.get(v)!, metric, win.fromMs, win.toMs, maxPoints, lastDrawn.get(key));
          lastDrawn.set(key, data);
          return { key, metric, version: v, colour: VERSION_COLOURS[i % VERSION_COLOURS.length]!, data };
        }),
      );
    }
    return out;
  }, [series, versions, win.fromMs, win.toMs, maxPoints, lastDrawn]);

  const overview = useMemo(() => {
    const first = versions[0] ? series.get(versions[0]) : undefined;
    // From the buckets the unzoomed charts use (no second pass over the data), thinned for the overview.
    const next = first ? thinMinMax(drawable(first, 'rps', -Infinity, Infinity, maxPoints), 200) : [];
    const kept = keepUnchanged(lastDrawn.get('overview'), next);
    lastDrawn.set('overview', kept);
    return kept;
  }, [series, versions, lastDrawn, maxPoints]);

  const [lineStore] = useState(createLineStore);
  const drawnTo = span?.toMs ?? null;
  useLayoutEffect(() => lineStore.set(drawnByChart, drawnTo), [lineStore, drawnByChart, drawnTo]);
  // Each chart's y ticks (the last is the axis top): drawn points and thresholds fit under it. The same
  // ticks keep their array, so a live update that does not change the axis does not redraw it.
  const [lastTicks] = useState(() => new Map<ChartSpec['id'], number[]>());
  const yTicks = useMemo(() => {
    const out = {} as Record<ChartSpec['id'], number[]>;
    for (const c of CHARTS) {
      let max = 0;
      for (const d of drawnByChart[c.id]) for (const p of d.data) if (p.y > max) max = p.y;
      for (const t of thresholds)
        if ((c.metrics as readonly HealthMetric[]).includes(t.metric) && t.value > max) max = t.value;
      const next = valueTicks(max * 1.05);
      const prev = lastTicks.get(c.id);
      out[c.id] = prev && prev.length === next.length && prev.every((v, i) => v === next[i]) ? prev : next;
      lastTicks.set(c.id, out[c.id]);
    }
    return out;
  }, [drawnByChart, thresholds, lastTicks]);

  const [hover, setHover] = useState<Hover | null>(null);
  const latest = useRef(series);
  useLayoutEffect(() => {
    latest.current = series;
  }, [series]);
  // Hover snaps to the nearest real sample (binary search in the full data), never to a drawn point.
  const onHover = useCallback((chart: ChartSpec['id'], x: number | null) => {
    if (x === null) return setHover((h) => (h?.chart === chart ? null : h));
    const metric = CHARTS.find((c) => c.id === chart)!.metrics[0];
    let best: number | null = null;
    for (const s of latest.current.values()) {
      const p = nearestPoint(s, metric, x);
      if (p && (best === null || Math.abs(p.x - x) < Math.abs(best - x))) best = p.x;
    }
    setHover(best === null ? null : { chart, x: best });
  }, []);

  const tooltip = (metrics: readonly HealthMetric[], x: number) => (
    <div className="tooltip">
      <div className="muted">{formatTimeOfDay(x)}</div>
      {metrics.flatMap((metric) => {
        const { label, unit } = HEALTH_METRICS.find((m) => m.key === metric)!;
        return versions.map((v) => {
          const p = nearestPoint(series.get(v)!, metric, x);
          const s = nearestSample(samples, metric, v, x);
          return (
            <div key={`${metric}/${v}`}>
              <strong>{v}</strong> {label}: {formatValue(p?.y ?? null, unit)}
              {p && p.x !== x && <span className="muted"> at {formatTimeOfDay(p.x)}</span>}
              {s && (
                <div className="muted small">
                  sample {s.metric} {formatValue(s.value, unit === 'req/s' ? 'count' : unit)} ({s.outcome}) ·{' '}
                  <code>{s.query}</code>
                </div>
              )}
            </div>
          );
        });
      })}
    </div>
  );

  const hasData = span !== null;
  // The zoom overview (a recharts chart, about 0.1 s to set up) mounts once the charts above have been
  // painted, so opening a release shows its health first.
  const [overviewShown, setOverviewShown] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setOverviewShown(true), 0)));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  // Measured before the first paint so the charts draw at their size at once, then followed on resize.
  const panelRef = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = panelRef.current;
    if (!el) return;
    const measure = () => {
      const style = getComputedStyle(el);
      const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      // A panel not laid out yet (hidden) measures 0: draw at a guess until it is.
      setWidth(inner > 0 ? Math.floor(inner) : 800);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return (
    <section ref={panelRef} className="panel timeline" aria-labelledby="timeline-heading">
      <div className="panel-head">
        <h2 id="timeline-heading">Health timeline</h2>
        <div className="row legend" aria-label="Versions">
          {versions.map((v, i) => (
            <span key={v}>
              <span className="swatch" style={{ background: VERSION_COLOURS[i % VERSION_COLOURS.length] }} />{' '}
              {v}
            </span>
          ))}
        </div>
        <div className="row" role="group" aria-label="Zoom and pan">
          <button type="button" disabled={!span} onClick={() => span && setZoom(zoomWindow(win, span, 0.5))}>
            Zoom in
          </button>
          <button
            type="button"
            disabled={!span || !zoom}
            onClick={() => span && setZoom(zoomWindow(win, span, 2))}
          >
            Zoom out
          </button>
          <button
            type="button"
            disabled={!span || !zoom}
            onClick={() => span && setZoom(panWindow(win, span, -0.25))}
          >
            Earlier
          </button>
          <button
            type="button"
            disabled={!span || !zoom}
            onClick={() => span && setZoom(panWindow(win, span, 0.25))}
          >
            Later
          </button>
          <button type="button" disabled={!zoom} onClick={() => setZoom(null)}>
            Show all
          </button>
        </div>
      </div>
      {!hasData && <p className="muted">No health data yet.</p>}
      {width > 0 &&
        CHARTS.map((c, i) => (
          <MetricChart
            width={width}
            key={c.id}
            chart={c}
            lineStore={lineStore}
            yTicks={yTicks[c.id]}
            win={win}
            thresholds={thresholds}
            markers={markers}
            bands={bands}
            showLabels={i === 0}
            hoverX={hover?.x ?? null}
            onHover={onHover}
            tooltip={hover?.chart === c.id ? tooltip : undefined}
          />
        ))}
      {overviewShown && width > 0 && overview.length > 2 && (
        <ZoomOverview overview={overview} zoom={zoom} width={width} onZoom={setZoom} />
      )}
      {markers.length > 0 && (
        <ol className="markers" aria-label="Timeline markers">
          {markers.map((m) => (
            <li key={`${m.atMs}-${m.kind}`} className={`marker marker-${m.kind}`}>
              <span className="badge">{m.label}</span> {formatTimeOfDay(m.atMs)} · {m.summary}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
