import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import {
  Brush,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  usePlotArea,
  useXAxisScale,
  useYAxisScale,
  XAxis,
  YAxis,
} from 'recharts';
import type { HealthPoint } from '../../../src-shared/bridge/contract.ts';
import type { Decision, SampleRecord, StepView } from '../../../src-shared/release/release.schema.ts';
import { formatValue } from '../../lib/format.ts';
import {
  createSeriesCache,
  decisionMarkers,
  bucketWidthMs,
  drawable,
  formatTimeOfDay,
  HEALTH_METRICS,
  keepUnchanged,
  nearestPoint,
  nearestSample,
  niceCeil,
  panWindow,
  phaseBands,
  seriesSpan,
  zoomWindow,
  type HealthMetric,
  type PhaseBand,
  type ThresholdLine,
  type XY,
} from '../../lib/timeline.ts';

export interface HealthTimelineProps {
  points: readonly HealthPoint[];
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

type Win = { fromMs: number; toMs: number };
type Drawn = { key: string; metric: HealthMetric; version: string; colour: string; data: XY[] };
/** The hovered time (a real sample's, ms) and the chart the pointer or keyboard is on. */
type Hover = { chart: ChartSpec['id']; x: number };
type Scale = NonNullable<ReturnType<typeof useXAxisScale>>;

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
  /** Top of the y axis (drawn points and thresholds fit under it). */
  yMax: number;
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
      const x = xScale(p.x);
      const y = yScale(p.y);
      if (x === undefined || y === undefined) continue;
      out += `${out === '' ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    }
    return out;
  }, [d.data, xScale, yScale]);
  return (
    <path
      className="recharts-curve recharts-line-curve"
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
 * The lines of a chart, drawn directly from the downsampled points with the chart's scales (recharts'
 * own Line builds several objects per point on every update), the hover cursor, and the plot's outline.
 */
function SeriesLayer({
  chart,
  lineStore,
  win,
  hoverX,
}: {
  chart: ChartSpec['id'];
  lineStore: LineStore;
  win: Win;
  hoverX: number | null;
}) {
  const { drawn, toMs } = useSyncExternalStore(lineStore.subscribe, () => lineStore.get(chart));
  const xScale = useXAxisScale();
  const yScale = useYAxisScale();
  const plot = usePlotArea();
  if (!xScale || !yScale || !plot) return null;
  const cursor = hoverX !== null && hoverX >= win.fromMs && hoverX <= win.toMs ? xScale(hoverX) : undefined;
  return (
    <g className="recharts-layer health-lines" data-drawn-to={toMs ?? undefined}>
      {drawn.map((d) => (
        <SeriesPath key={d.key} d={d} xScale={xScale} yScale={yScale} />
      ))}
      {cursor !== undefined && (
        <line
          className="recharts-tooltip-cursor"
          x1={cursor}
          x2={cursor}
          y1={plot.y}
          y2={plot.y + plot.height}
          stroke="var(--muted)"
        />
      )}
      {/* Where the plot is on screen, for the figure's pointer handler (bands drawn above would catch events). */}
      <rect
        className="health-plot-area"
        x={plot.x}
        y={plot.y}
        width={plot.width}
        height={plot.height}
        fill="none"
        pointerEvents="none"
      />
    </g>
  );
}

const MetricChart = memo(function MetricChart({
  chart,
  lineStore,
  yMax,
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
  const lines = thresholds.filter((t) => (chart.metrics as readonly HealthMetric[]).includes(t.metric));
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
        {chart.label} <span className="muted small">({chart.unit})</span>
      </figcaption>
      <ResponsiveContainer
        width="100%"
        height={showLabels ? 150 : 120}
        initialDimension={{ width, height: showLabels ? 150 : 120 }}
      >
        <LineChart
          accessibilityLayer={false}
          margin={{ top: showLabels ? 18 : 6, right: 16, bottom: 0, left: 8 }}
        >
          <CartesianGrid stroke="var(--grid)" vertical={false} />
          <XAxis
            dataKey="x"
            type="number"
            domain={[win.fromMs, win.toMs]}
            allowDataOverflow
            tickFormatter={formatTimeOfDay}
            stroke="var(--muted)"
            fontSize={11}
            hide={!showLabels && chart.id !== 'rps'}
          />
          <YAxis
            type="number"
            domain={[0, yMax]}
            allowDataOverflow
            stroke="var(--muted)"
            fontSize={11}
            width={56}
            tickFormatter={(v: number) =>
              chart.unit === 'ratio' ? `${(v * 100).toFixed(1)}%` : String(Math.round(v))
            }
          />
          {bands.map((b, i) => (
            <ReferenceArea
              key={`band-${b.stepIndex}`}
              x1={Math.max(b.fromMs, win.fromMs)}
              x2={Math.min(b.toMs, win.toMs)}
              fill={i % 2 === 0 ? 'var(--band-a)' : 'var(--band-b)'}
              fillOpacity={1}
              ifOverflow="hidden"
              label={
                showLabels
                  ? { value: b.label, position: 'insideTopLeft', fontSize: 10, fill: 'var(--muted)' }
                  : undefined
              }
            />
          ))}
          {lines.map((t) => (
            <ReferenceLine
              key={`t-${t.value}`}
              y={t.value}
              stroke="var(--prod)"
              strokeDasharray="5 4"
              ifOverflow="extendDomain"
              label={{ value: t.label, position: 'insideBottomRight', fontSize: 10, fill: 'var(--prod)' }}
            />
          ))}
          {markers.map((m) => (
            <ReferenceLine
              key={`m-${m.atMs}-${m.kind}`}
              x={m.atMs}
              stroke={MARKER_COLOURS[m.kind]}
              strokeWidth={2}
              ifOverflow="hidden"
              label={
                showLabels
                  ? { value: m.label, position: 'top', fontSize: 11, fill: MARKER_COLOURS[m.kind] }
                  : undefined
              }
            />
          ))}
          <SeriesLayer chart={chart.id} lineStore={lineStore} win={win} hoverX={hoverX} />
        </LineChart>
      </ResponsiveContainer>
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

/**
 * Error rate, p95, p99 and request rate per version, with the plan's thresholds, shaded steps and
 * decision markers; zoom and pan redraw the window from the full data, hover reads the full data.
 */
export function HealthTimeline({
  points,
  decisions,
  samples,
  steps,
  thresholds,
  nowMs,
  maxPoints = 800,
}: HealthTimelineProps) {
  const [cache] = useState(createSeriesCache);
  const series = useMemo(() => cache.update(points), [cache, points]);
  const span = useMemo(() => seriesSpan(series), [series]);
  const [zoom, setZoom] = useState<Win | null>(null);
  // Following live, the window ends a little past the last sample, on a step of a few buckets, so the
  // axes and reference lines stay put for most updates and only the lines' last points move.
  const liveEnd = useMemo(() => {
    if (!span) return null;
    const step = bucketWidthMs(span.toMs - span.fromMs, maxPoints / 2) * 8;
    return Math.ceil((span.toMs + 1) / step) * step;
  }, [span, maxPoints]);
  const winFrom = zoom?.fromMs ?? span?.fromMs ?? nowMs - 60_000;
  const winTo = zoom?.toMs ?? liveEnd ?? nowMs;
  const win: Win = useMemo(() => ({ fromMs: winFrom, toMs: winTo }), [winFrom, winTo]);
  const versions = useMemo(() => [...series.keys()], [series]);
  const markers = useMemo(() => decisionMarkers(decisions), [decisions]);
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
          const data = keepUnchanged(
            lastDrawn.get(key),
            drawable(series.get(v)!, metric, win.fromMs, win.toMs, maxPoints),
          );
          lastDrawn.set(key, data);
          return { key, metric, version: v, colour: VERSION_COLOURS[i % VERSION_COLOURS.length]!, data };
        }),
      );
    }
    return out;
  }, [series, versions, win.fromMs, win.toMs, maxPoints, lastDrawn]);

  const overview = useMemo(() => {
    const first = versions[0] ? series.get(versions[0]) : undefined;
    const next = first ? drawable(first, 'rps', -Infinity, Infinity, 200) : [];
    const kept = keepUnchanged(lastDrawn.get('overview'), next);
    lastDrawn.set('overview', kept);
    return kept;
  }, [series, versions, lastDrawn]);

  const [lineStore] = useState(createLineStore);
  const drawnTo = span?.toMs ?? null;
  useLayoutEffect(() => lineStore.set(drawnByChart, drawnTo), [lineStore, drawnByChart, drawnTo]);
  const yMax = useMemo(() => {
    const out = {} as Record<ChartSpec['id'], number>;
    for (const c of CHARTS) {
      let max = 0;
      for (const d of drawnByChart[c.id]) for (const p of d.data) if (p.y > max) max = p.y;
      for (const t of thresholds)
        if ((c.metrics as readonly HealthMetric[]).includes(t.metric) && t.value > max) max = t.value;
      out[c.id] = niceCeil(max * 1.05);
    }
    return out;
  }, [drawnByChart, thresholds]);

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
  // Measured before the first paint so the charts draw at their size at once, not after a resize pass.
  const panelRef = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = panelRef.current;
    if (!el) return;
    const style = getComputedStyle(el);
    const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // A panel not laid out yet (hidden) measures 0: start at a guess, ResponsiveContainer corrects it.
    setWidth(inner > 0 ? inner : 800);
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
            yMax={yMax[c.id]}
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
      {width > 0 && overview.length > 2 && (
        <ResponsiveContainer width="100%" height={50} initialDimension={{ width, height: 50 }}>
          <LineChart data={overview} margin={{ top: 0, right: 16, bottom: 0, left: 64 }}>
            <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} hide />
            <Line dataKey="y" stroke="var(--muted)" dot={false} isAnimationActive={false} />
            <Brush
              dataKey="x"
              height={24}
              stroke="var(--accent)"
              fill="var(--panel)"
              tickFormatter={formatTimeOfDay}
              aria-label="Zoom window"
              onChange={(r) => {
                const a = overview[r.startIndex ?? 0];
                const b = overview[r.endIndex ?? overview.length - 1];
                if (a && b)
                  setZoom(
                    r.startIndex === 0 && r.endIndex === overview.length - 1
                      ? null
                      : { fromMs: a.x, toMs: b.x },
                  );
              }}
            />
          </LineChart>
        </ResponsiveContainer>
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
