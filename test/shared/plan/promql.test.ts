import { parser } from '@prometheus-io/lezer-promql';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, queryParamsFor, renderMetricQuery } from '../../../src-shared/plan/promql.ts';
import { MetricKindSchema } from '../../../src-shared/plan/plan.schema.ts';

function syntaxErrors(query: string): number {
  let errors = 0;
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors += 1;
    },
  });
  return errors;
}

/** Label matchers of every selector in the query, as [label, op, value] with the escapes undone. */
function labelMatchers(query: string): [string, string, string][] {
  return [...query.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"/g)].map((m) => [
    m[1]!,
    m[2]!,
    JSON.parse(`"${m[3]!}"`) as string,
  ]);
}

const kinds = MetricKindSchema.options.filter((k) => k !== 'custom');

describe('renderMetricQuery', () => {
  it.each([
    [
      'success-rate',
      'sum(rate(http_requests_total{job="workflow-engine",status!~"5.."}[2m])) / sum(rate(http_requests_total{job="workflow-engine"}[2m]))',
    ],
    [
      'error-rate',
      'sum(rate(http_requests_total{job="workflow-engine",status=~"5.."}[2m])) / sum(rate(http_requests_total{job="workflow-engine"}[2m]))',
    ],
    [
      'latency-p95',
      'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="workflow-engine"}[2m])) by (le)) * 1000',
    ],
    [
      'latency-p99',
      'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{job="workflow-engine"}[2m])) by (le)) * 1000',
    ],
    ['pod-restarts', 'sum(increase(kube_pod_container_status_restarts_total{}[2m]))'],
  ] as const)('renders the runbook query for %s', (kind, query) => {
    expect(renderMetricQuery(kind, { job: 'workflow-engine' })).toBe(query);
  });

  it('selects one version, the namespace and the window', () => {
    const q = renderMetricQuery(
      { kind: 'latency-p95', window: '5m' },
      { job: 'api', namespace: 'prod', version: 'canary' },
    );
    expect(q).toBe(
      'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="api",namespace="prod",version="canary"}[5m])) by (le)) * 1000',
    );
  });

  it('joins pod restarts to one version through kube_pod_labels', () => {
    const q = renderMetricQuery('pod-restarts', {
      job: 'api',
      namespace: 'prod',
      version: 'canary',
      container: 'api',
      window: '5m',
    });
    expect(q).toContain('kube_pod_container_status_restarts_total{namespace="prod",container="api"}[5m]');
    expect(q).toContain('kube_pod_labels{namespace="prod",label_version="canary"}');
    expect(syntaxErrors(q)).toBe(0);
  });

  it.each(kinds)('%s parses as PromQL with and without a version', (kind) => {
    expect(syntaxErrors(renderMetricQuery(kind, { job: 'a', namespace: 'b', container: 'c' }))).toBe(0);
    expect(
      syntaxErrors(renderMetricQuery(kind, { job: 'a', namespace: 'b', version: 'v', container: 'c' })),
    ).toBe(0);
  });

  it('fills the placeholders of a custom query with escaped values', () => {
    const q = renderMetricQuery(
      {
        kind: 'custom',
        query: 'sum(rate(jobs_failed_total{job="{{job}}",version="{{ version }}"}[{{window}}]))',
      },
      { job: 'a"b', version: 'v1', window: '1m' },
    );
    expect(q).toBe('sum(rate(jobs_failed_total{job="a\\"b",version="v1"}[1m]))');
  });

  it.each([['2m) or vector(1'], ['']])('refuses window %j', (window) => {
    expect(() => renderMetricQuery('error-rate', { job: 'a', window })).toThrow(/is not a duration/);
  });

  it('refuses a version label that is not a label name', () => {
    expect(() => renderMetricQuery('error-rate', { job: 'a', versionLabel: 'v"} or up{' })).toThrow(
      /label name/,
    );
  });

  it('never lets a label value change the query structure', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom(...kinds), (job, version, kind) => {
        const q = renderMetricQuery(kind, { job, namespace: 'ns', version, container: 'c' });
        const safe = renderMetricQuery(kind, { job: 'J', namespace: 'ns', version: 'V', container: 'c' });
        expect(syntaxErrors(q)).toBe(0);
        // Same matchers in the same places, values round-trip exactly.
        const got = labelMatchers(q);
        const expected = labelMatchers(safe).map(([l, op, v]) => [
          l,
          op,
          v === 'J' ? job : v === 'V' ? version : v,
        ]);
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('escapes backslashes, quotes and newlines', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});

describe('queryParamsFor', () => {
  it('takes the job from the target, falling back to its name, and selects one version', () => {
    const target = {
      namespace: 'prod',
      kind: 'Deployment' as const,
      name: 'api',
      image: 'api:2',
      container: 'app',
    };
    expect(queryParamsFor(target, 'canary')).toEqual({
      job: 'api',
      namespace: 'prod',
      container: 'app',
      version: 'canary',
    });
    expect(queryParamsFor({ ...target, job: 'api-http' }).job).toBe('api-http');
    expect(renderMetricQuery('error-rate', queryParamsFor(target, 'stable', '1m'))).toBe(
      'sum(rate(http_requests_total{job="api",namespace="prod",version="stable",status=~"5.."}[1m])) / sum(rate(http_requests_total{job="api",namespace="prod",version="stable"}[1m]))',
    );
  });
});

describe('pod metrics of a feature-flag variant', () => {
  const flag = {
    job: 'checkout',
    namespace: 'shop',
    version: 'on',
    versionLabel: 'feature_flag_variant',
    podsCarryVersion: false,
    workload: 'checkout.v2',
  } as const;

  it.each(['pod-restarts', 'saturation'] as const)(
    '%s reads the whole workload’s pods (every pod serves every variant), never a pod label that does not exist',
    (kind) => {
      const q = renderMetricQuery(kind, flag);
      expect(q).not.toContain('kube_pod_labels');
      expect(labelMatchers(q)).toContainEqual(['pod', '=~', 'checkout\\.v2-.*']);
      expect(syntaxErrors(q)).toBe(0);
    },
  );

  it('still selects the variant on request metrics', () => {
    expect(labelMatchers(renderMetricQuery('error-rate', flag))).toContainEqual([
      'feature_flag_variant',
      '=',
      'on',
    ]);
  });
});
