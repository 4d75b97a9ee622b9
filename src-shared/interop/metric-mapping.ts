import type { ComparisonOp, Condition, MetricKind } from '../plan/plan.schema.ts';
import { formatDuration, isDuration } from '../plan/duration.ts';
import { renderMetricQuery } from '../plan/promql.ts';

const BUILT_IN: MetricKind[] = [
  'success-rate',
  'error-rate',
  'latency-p95',
  'latency-p99',
  'pod-restarts',
  'saturation',
];
const compact = (q: string) => q.replace(/\s+/g, '');

/** A metric recognised in a foreign query: a built-in kind (query dropped) or `custom` with the query in plan placeholders. */
export interface RecognisedQuery {
  kind: MetricKind;
  query?: string;
  window: string;
}

/**
 * Recognises a PromQL query written with `jobPlaceholder` for the job (e.g. `{{args.service-name}}`):
 * when it is one of the built-in queries for some window it becomes that kind, otherwise a custom
 * query in which `jobPlaceholder` reads `{{job}}` and `namespacePlaceholder` reads `{{namespace}}`.
 */
export function recogniseQuery(
  query: string,
  jobPlaceholder: string,
  namespacePlaceholder?: string,
  versionPlaceholder?: string,
): RecognisedQuery {
  const window = /\[(\d+(?:ms|s|m|h|d))\]/.exec(query)?.[1] ?? '2m';
  // Exports filter by namespace and version as the rehearsal does; older ones by job alone.
  const filters = [
    { job: jobPlaceholder },
    ...(namespacePlaceholder ? [{ job: jobPlaceholder, namespace: namespacePlaceholder }] : []),
    ...(namespacePlaceholder && versionPlaceholder
      ? [{ job: jobPlaceholder, namespace: namespacePlaceholder, version: versionPlaceholder }]
      : []),
  ];
  for (const kind of BUILT_IN)
    for (const f of filters)
      if (compact(renderMetricQuery(kind, { ...f, window })) === compact(query)) return { kind, window };
  let custom = query.split(jobPlaceholder).join('{{job}}');
  if (namespacePlaceholder) custom = custom.split(namespacePlaceholder).join('{{namespace}}');
  return { kind: 'custom', query: custom.trim(), window };
}

/**
 * The PromQL a foreign controller should run for a plan metric: the built-in query filtered by the job,
 * namespace and (when given) version placeholders, or the custom query with its `{{job}}`/`{{namespace}}`/`{{window}}` placeholders replaced.
 * `{{version}}` has no equivalent and is reported through `unsupported`.
 */
export function foreignQuery(
  metric: { kind: MetricKind; query?: string; window: string },
  placeholders: { job: string; namespace: string; version?: string },
  unsupported: string[],
  where: string,
): string {
  // The same label filters as the rehearsal: job, namespace and, where the controller can name it, version.
  if (metric.kind !== 'custom')
    return renderMetricQuery(metric.kind, {
      job: placeholders.job,
      namespace: placeholders.namespace,
      ...(placeholders.version ? { version: placeholders.version } : {}),
      window: metric.window,
    });
  const q = metric.query ?? '';
  if (/\{\{\s*version\s*\}\}/.test(q))
    unsupported.push(`${where}: the {{version}} placeholder has no equivalent and was left as is`);
  return q
    .replace(/\{\{\s*job\s*\}\}/g, placeholders.job)
    .replace(/\{\{\s*namespace\s*\}\}/g, placeholders.namespace)
    .replace(/\{\{\s*window\s*\}\}/g, metric.window);
}

const NEGATE: Record<ComparisonOp, ComparisonOp> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/** The opposite comparison: `value <op> t` fails exactly when `value <negate(op)> t` holds. */
export function negateOp(op: ComparisonOp): ComparisonOp {
  return NEGATE[op];
}

/** An Argo Rollouts condition expression for `result[0] <op> threshold`. */
export function argoCondition(c: Condition): string {
  return `result[0] ${c.op} ${c.threshold}`;
}

/** Parses `result[0] >= 0.95` (or `result >= 0.95`, either side) into a condition; null for anything richer. */
export function parseArgoCondition(expr: string): Condition | null {
  const num = '([-+]?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';
  const res = 'result(?:\\[0\\])?';
  const left = new RegExp(`^\\s*${res}\\s*(<=|>=|<|>)\\s*${num}\\s*$`).exec(expr);
  if (left) return { op: left[1] as ComparisonOp, threshold: Number(left[2]) };
  const right = new RegExp(`^\\s*${num}\\s*(<=|>=|<|>)\\s*${res}\\s*$`).exec(expr);
  if (right) {
    const flipped: Record<string, ComparisonOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
    return { op: flipped[right[2]!]!, threshold: Number(right[1]) };
  }
  return null;
}

/** Reads a Go-style duration or a number of seconds (Argo and Flagger accept both) as a plan duration; null when neither. */
export function foreignDuration(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    if (isDuration(`${value}s`)) return `${value}s`;
    // `${1e-7}s` and `${1e21}s` are not durations: go through whole milliseconds instead.
    const ms = Math.round(value * 1000);
    return Number.isSafeInteger(ms) ? formatDuration(ms) : null;
  }
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return `${value}s`;
    if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(value)) return value;
  }
  return null;
}

/** A readable record accessor for untyped YAML: `obj(x).key` is always an object. */
export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** `value` as an array (empty when it is not one). */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` as a string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `value` as a finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
