import { memo } from 'react';
import type { DrawnThreshold, Marker, PhaseBand } from '../../lib/timeline-marks.ts';
import { spreadLabels } from '../../lib/timeline-marks.ts';
import type { Plot, Win } from './timeline-charts.ts';

const MARKER_COLOURS = {
  promote: 'var(--ok)',
  pause: 'var(--warn)',
  abort: 'var(--prod)',
  rollback: 'var(--prod)',
};

/** Labels over lines and bands get a halo in the panel's colour, so crossing lines do not garble them. */
const HALO = { stroke: 'var(--panel)', strokeWidth: 3, paintOrder: 'stroke' } as const;

/** What a chart marks on its plot, and where. */
export interface PlotMarksProps {
  win: Win;
  thresholds: readonly DrawnThreshold[];
  markers: readonly Marker[];
  bands: readonly PhaseBand[];
  /** The first chart carries the step and marker labels. */
  showLabels: boolean;
  at: Plot;
  /** The id of the chart's SVG filter that paints a label's box in the panel's colour behind it. */
  labelBackground: string;
  /** `under` the series: the plot area, bands and lines; `over` them: the labels, so nothing crosses them. */
  layer: 'under' | 'over';
}

/**
 * What the chart marks on its plot: the plan's steps as shaded bands, its thresholds as dashed lines
 * (labels moved apart so close thresholds stay readable), and the decision markers.
 */
export const PlotMarks = memo(function PlotMarks({
  win,
  thresholds,
  markers,
  bands,
  showLabels,
  at,
  labelBackground,
  layer,
}: PlotMarksProps) {
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
            className={`health-label ${t.current ? 'threshold-current' : 'threshold-other'}`}
            filter={`url(#${labelBackground})`}
            opacity={t.current ? 1 : 0.45}
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
            className={`health-threshold ${t.current ? 'threshold-current' : 'threshold-other'}`}
            x1={at.left}
            x2={right}
            y1={lineYs[i]}
            y2={lineYs[i]}
            stroke="var(--prod)"
            strokeWidth={t.current ? 2 : 1}
            opacity={t.current ? 1 : 0.3}
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
