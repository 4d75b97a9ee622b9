import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Decision, SampleRecord, StepView } from '../../../src-shared/release/release.schema.ts';
import { formatValue } from '../../lib/format.ts';
import { formatTime } from '../../../src-shared/format/time.ts';
import { panWindow, valueTicks, zoomWindow } from '../../lib/timeline-axes.ts';
import {
  bucketWidthMs,
  drawable,
  keepUnchanged,
  nearestPoint,
  thinMinMax,
} from '../../lib/timeline-drawable.ts';
import {
  currentStep,
  decisionMarkers,
  drawnThresholds,
  nearestSample,
  phaseBands,
  type PhaseBand,
  type ThresholdLine,
} from '../../lib/timeline-marks.ts';
import {
  HEALTH_METRICS,
  seriesColours,
  seriesSpan,
  seriesVariant,
  type HealthHistory,
  type HealthMetric,
  type XY,
} from '../../lib/timeline-series.ts';
import { MetricChart } from './MetricChart.tsx';
import {
  CHARTS,
  createLineStore,
  VERSION_COLOURS,
  type ChartSpec,
  type Drawn,
  type Win,
} from './timeline-charts.ts';
import { ZoomOverview } from './ZoomOverview.tsx';

export interface HealthTimelineProps {
  /** The release's health as the store keeps it (per-version columns, all the samples). */
  health: HealthHistory;
  decisions: readonly Decision[];
  samples: readonly SampleRecord[];
  steps: readonly StepView[];
  thresholds: readonly ThresholdLine[];
  /** The release clock's now (ms), where the last phase band ends. */
  nowMs: number;
  /** A rehearsal: its times are on the sandbox's compressed clock, labelled `sim`. */
  simulated?: boolean;
  /** Points drawn per series at most (the full data stays for hover). */
  maxPoints?: number;
}

/** The hovered time (a real sample's, ms) and the chart the pointer or keyboard is on. */
type Hover = { chart: ChartSpec['id']; x: number };

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
  simulated = false,
  maxPoints = 800,
}: HealthTimelineProps) {
  const series = health.series;
  const span = useMemo(() => seriesSpan(series), [series]);
  const [zoom, setZoom] = useState<Win | null>(null);
  const markers = useMemo(() => decisionMarkers(decisions), [decisions]);
  // The current step's thresholds are emphasised, the others faint; redrawn only when the step changes.
  const stepLabel = currentStep(steps)?.label ?? null;
  const lines = useMemo(() => drawnThresholds(thresholds, stepLabel), [thresholds, stepLabel]);
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
  // Versions' series, and during a flag ramp the variants' (`variant on`), each in its own colour.
  const versions = useMemo(() => [...series.keys()], [series]);
  const colours = useMemo(() => seriesColours(versions, VERSION_COLOURS), [versions]);
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
          return { key, metric, version: v, colour: colours[i]!, data };
        }),
      );
    }
    return out;
  }, [series, versions, colours, win.fromMs, win.toMs, maxPoints, lastDrawn]);

  // Zoomed, the overview keeps the points it had when the zoom began: the Brush's indexes reach recharts'
  // store before new data does (child effects run first), so indexes into a live, changing overview
  // pointed past the store's data and drew its travellers at NaN. Showing all, it follows the data again.
  const zoomed = zoom !== null;
  const overview = useMemo(() => {
    const held = lastDrawn.get('overview');
    if (zoomed && held && held.length > 2) return held;
    // The first series that reaches the latest sample: a flag with deploy's versions stop where its ramp's
    // variants begin.
    const to = span?.toMs;
    const first = versions.map((v) => series.get(v)!).find((s) => s.length > 0 && s.xs[s.length - 1] === to);
    // From the buckets the unzoomed charts use (no second pass over the data), thinned for the overview.
    const next = first ? thinMinMax(drawable(first, 'rps', -Infinity, Infinity, maxPoints), 200) : [];
    const kept = keepUnchanged(lastDrawn.get('overview'), next);
    lastDrawn.set('overview', kept);
    return kept;
  }, [series, versions, span, lastDrawn, maxPoints, zoomed]);

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

  // Tooltips and markers read `sim 02:43:25` on the sandbox's clock, `14:03:25 CET` on a real one; the
  // time axis writes the same once, left of its ticks.
  const time = (ms: number) => formatTime(ms, { simulated });
  const clockLabel = simulated ? 'sim' : (formatTime(win.toMs).split(' ')[1] ?? '');
  const tooltip = (metrics: readonly HealthMetric[], x: number) => (
    <div className="tooltip">
      <div className="muted">{time(x)}</div>
      {metrics.flatMap((metric) => {
        const { label, unit } = HEALTH_METRICS.find((m) => m.key === metric)!;
        return versions.map((v) => {
          const p = nearestPoint(series.get(v)!, metric, x);
          // The analysis records a variant's samples under the variant (`on`).
          const s = nearestSample(samples, metric, seriesVariant(v) ?? v, x);
          return (
            <div key={`${metric}/${v}`}>
              <strong>{v}</strong> {label}: {formatValue(p?.y ?? null, unit)}
              {p && p.x !== x && <span className="muted"> at {time(p.x)}</span>}
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
        <div className="row legend" aria-label="Versions and variants">
          {versions.map((v, i) => (
            <span key={v}>
              <span className="swatch" style={{ background: colours[i] }} /> {v}
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
            clockLabel={clockLabel}
            key={c.id}
            chart={c}
            lineStore={lineStore}
            yTicks={yTicks[c.id]}
            win={win}
            thresholds={lines}
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
              <span className="badge">{m.label}</span> {time(m.atMs)} · {m.summary}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
