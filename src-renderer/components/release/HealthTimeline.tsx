import { memo, useMemo, useState } from 'react';
import {
  Brush,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { HealthPoint } from '../../../src-shared/bridge/contract.ts';
import type { Decision, SampleRecord, StepView } from '../../../src-shared/release/release.schema.ts';
import { formatValue } from '../../lib/format.ts';
import {
  createSeriesCache,
  decisionMarkers,
  drawable,
  formatTimeOfDay,
  HEALTH_METRICS,
  keepUnchanged,
  nearestPoint,
  nearestSample,
  panWindow,
  phaseBands,
  seriesSpan,
  zoomWindow,
  type HealthMetric,
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

interface ChartProps {
  chart: ChartSpec;
  drawn: { key: string; metric: HealthMetric; version: string; colour: string; data: XY[] }[];
  win: Win;
  thresholds: readonly ThresholdLine[];
  markers: ReturnType<typeof decisionMarkers>;
  bands: ReturnType<typeof phaseBands>;
  showLabels: boolean;
  tooltip: (metrics: readonly HealthMetric[], x: number) => React.ReactNode;
}

const MetricChart = memo(function MetricChart({
  chart,
  drawn,
  win,
  thresholds,
  markers,
  bands,
  showLabels,
  tooltip,
}: ChartProps) {
  return (
    <figure className="chart" aria-label={`${chart.label} by version`}>
      <figcaption>
        {chart.label} <span className="muted small">({chart.unit})</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={showLabels ? 150 : 120}>
        <LineChart
          syncId="health"
          syncMethod="value"
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
          {thresholds
            .filter((t) => (chart.metrics as readonly HealthMetric[]).includes(t.metric))
            .map((t) => (
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
          {drawn.map((d) => (
            <Line
              key={d.key}
              data={d.data}
              dataKey="y"
              name={`${d.version} ${d.metric}`}
              stroke={d.colour}
              strokeDasharray={d.metric === 'p99Ms' ? '4 3' : undefined}
              dot={false}
              strokeWidth={1.5}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
          <Tooltip
            isAnimationActive={false}
            content={({ active, label }) =>
              active && typeof label === 'number' ? tooltip(chart.metrics, label) : null
            }
          />
        </LineChart>
      </ResponsiveContainer>
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
  const win: Win = zoom ?? span ?? { fromMs: nowMs - 60_000, toMs: nowMs };
  const versions = useMemo(() => [...series.keys()], [series]);
  const markers = useMemo(() => decisionMarkers(decisions), [decisions]);
  const bands = useMemo(
    () => phaseBands(steps, decisions, samples, span?.toMs ?? nowMs),
    [steps, decisions, samples, span, nowMs],
  );

  // The last drawn points per series: a series whose points did not change keeps its array (and a
  // changed one its unchanged point objects), so recharts recomputes only what changed.
  const [lastDrawn] = useState(() => new Map<string, XY[]>());
  const drawnByChart = useMemo(() => {
    const out = {} as Record<ChartSpec['id'], ChartProps['drawn']>;
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
    return first ? drawable(first, 'rps', -Infinity, Infinity, 200) : [];
  }, [series, versions]);

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
  return (
    <section className="panel timeline" aria-labelledby="timeline-heading" data-drawn-to={span?.toMs}>
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
      {CHARTS.map((c, i) => (
        <MetricChart
          key={c.id}
          chart={c}
          drawn={drawnByChart[c.id]}
          win={win}
          thresholds={thresholds}
          markers={markers}
          bands={bands}
          showLabels={i === 0}
          tooltip={tooltip}
        />
      ))}
      {overview.length > 2 && (
        <ResponsiveContainer width="100%" height={50}>
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
