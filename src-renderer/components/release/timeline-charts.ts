import type { HealthMetric, XY } from '../../lib/timeline-series.ts';

/** The charts drawn: p95 and p99 share one (same unit), each chart one unit. */
export const CHARTS = [
  { id: 'errors', label: 'Error rate', unit: 'ratio', metrics: ['errorRate'] },
  { id: 'latency', label: 'Latency p95 (solid) and p99 (dashed)', unit: 'ms', metrics: ['p95Ms', 'p99Ms'] },
  { id: 'rps', label: 'Request rate', unit: 'req/s', metrics: ['rps'] },
] as const satisfies readonly { id: string; label: string; unit: string; metrics: readonly HealthMetric[] }[];
export type ChartSpec = (typeof CHARTS)[number];

export const VERSION_COLOURS = ['var(--series-1)', 'var(--series-2)', 'var(--series-3)', 'var(--series-4)'];

export type Win = { fromMs: number; toMs: number };
export type Drawn = { key: string; metric: HealthMetric; version: string; colour: string; data: XY[] };
export type Scale = (v: number) => number;
/** Where a chart draws: its plot rectangle (px inside the chart's SVG) and the scales onto it. */
export interface Plot {
  x: Scale;
  y: Scale;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The linear map of `[d0, d1]` onto `[r0, r1]`. */
export function linear(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/**
 * The drawn points of every chart, outside React props: the charts' axes and reference lines do not
 * re-render when only the lines change; each chart's line layer subscribes to its own entry.
 */
export interface LineStore {
  get(chart: ChartSpec['id']): { drawn: Drawn[]; toMs: number | null };
  set(drawn: Record<ChartSpec['id'], Drawn[]>, toMs: number | null): void;
  subscribe(listener: () => void): () => void;
}

const NOTHING: { drawn: Drawn[]; toMs: number | null } = { drawn: [], toMs: null };

export function createLineStore(): LineStore {
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
