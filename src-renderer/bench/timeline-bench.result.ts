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
  /**
   * Taking the points in as the store does when they arrive (per-version columns), cold, before any
   * render (ms).
   */
  takeInMs: number;
  /** From handing the taken-in health to React until the three charts are drawn and painted (ms). */
  firstRenderMs: number;
  /** The synchronous part of the first render: downsampling, React render and commit (ms). */
  firstCommitMs: number;
  /** From the same start until the zoom overview (mounted after the charts' first paint) is drawn (ms). */
  overviewMs: number;
  updateMs: number[];
  /** The synchronous React render and commit part of each update (ms). */
  commitMs: number[];
  /** Taking in and downsampling the full data once more, warm, outside React (ms). */
  computeMs: number;
}
