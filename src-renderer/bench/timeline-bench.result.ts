/** Figures the bench page leaves on `window.__benchResult` for bench/timeline.bench.ts. */
export interface TimelineBenchResult {
  /** Health points fed (one per version per second), each with the 4 series' values. */
  points: number;
  /** Values in the full data at first render (points × 4 series). */
  values: number;
  /** Points drawn over all lines at first render (from the SVG paths). */
  drawnPoints: number;
  /** Updates some chart did not draw within 20 frames (should be 0). */
  unchanged: number;
  firstRenderMs: number;
  /** The synchronous part of the first render: ingesting, downsampling, React render and commit (ms). */
  firstCommitMs: number;
  updateMs: number[];
  /** The synchronous React render and commit part of each update (ms). */
  commitMs: number[];
  /** Ingesting and downsampling the full data once, outside React (ms). */
  computeMs: number;
}
