import { describe, expect, it } from 'vitest';
import { exportPlan } from '../../../src-shared/interop/interop.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { renderMetricQuery } from '../../../src-shared/plan/promql.ts';
import { imageVersion } from '../../../src-shared/release/image-version.ts';
import { unwrapHeldQuery } from '../../../src-shared/interop/argo.ts';
import { dueTriggerReads, startTriggers } from '../../../src-main/engine/machines/analysis-run.ts';

const plan = defaultPlan('canary', {
  namespace: 'platform-production',
  name: 'workflow-engine',
  image: 'registry.platform.com/workflow-engine:v1.25.0',
});

type Doc = {
  kind?: string;
  spec?: {
    args?: { name: string; value?: string }[];
    metrics?: { name: string; provider?: { prometheus?: { query?: string } } }[];
  };
};

/** Every built-in metric of the plan, analysis and rollback triggers, as the rehearsal queries it. */
function rehearsedQueries(): Map<string, string> {
  const out = new Map<string, string>();
  const params = { job: 'workflow-engine', namespace: 'platform-production', version: 'v1.25.0' };
  for (const t of plan.analysis.templates)
    for (const m of t.metrics)
      if (m.kind !== 'custom') out.set(m.name, renderMetricQuery(m.kind, { ...params, window: m.window }));
  // The rollback triggers as the engine reads them (its window per trigger), not as the export spells them.
  const reads = dueTriggerReads(plan, startTriggers(plan, 0), imageVersion(plan.target.image), 0);
  plan.rollbackTriggers.forEach((t, i) => {
    const read = reads[i]!;
    out.set(`rollback-${i}-${t.metric}`, renderMetricQuery(read.source, read.params));
  });
  return out;
}

/** The query an exported trigger checks on each read, once its held-for subquery is taken off. */
function innerQuery(query: string): string {
  return unwrapHeldQuery(query)?.query ?? query;
}

describe('exports filter as the rehearsal does', () => {
  it('Argo: every built-in query is the rehearsed one once the AnalysisTemplate args are filled in', () => {
    const { documents } = exportPlan(plan, 'argo');
    const templates = (documents as Doc[]).filter((d) => d.kind === 'AnalysisTemplate');
    const args = (documents as Doc[])
      .flatMap((d) => JSON.stringify(d).match(/"name":"version","value":"[^"]+"/g) ?? [])
      .at(0);
    expect(args).toBe('"name":"version","value":"v1.25.0"');
    const rehearsed = rehearsedQueries();
    const compared = new Set<string>();
    for (const t of templates)
      for (const m of t.spec?.metrics ?? []) {
        const want = rehearsed.get(m.name);
        if (!want) continue;
        const filled = innerQuery(m.provider?.prometheus?.query ?? '')
          .replaceAll('{{args.service-name}}', 'workflow-engine')
          .replaceAll('{{args.namespace}}', 'platform-production')
          .replaceAll('{{args.version}}', 'v1.25.0');
        expect(filled, m.name).toBe(want);
        compared.add(m.name);
      }
    expect([...compared].sort()).toEqual([...rehearsed.keys()].sort());
  });

  it('Flagger: queries select the namespace too, and the missing version filter is named', () => {
    const { documents, unsupported } = exportPlan(plan, 'flagger');
    const queries = JSON.stringify(documents).match(/http_requests_total\{[^[]*\[/g) ?? [];
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q).toContain('namespace=\\"{{ namespace }}\\"');
    expect(unsupported.join('\n')).toMatch(/version label: Flagger templates have no variable/);
  });

  it('Argo: a trigger breached "held for" its duration fires on the rehearsal\'s reads, not on one bad sample', () => {
    const { documents, unsupported } = exportPlan(plan, 'argo');
    const triggers = (documents as Doc[]).find(
      (d) => d.kind === 'AnalysisTemplate' && JSON.stringify(d).includes('switchyard-rollback-triggers'),
    );
    const metrics = (triggers?.spec?.metrics ?? []) as (NonNullable<
      NonNullable<Doc['spec']>['metrics']
    >[number] & { interval: string; failureLimit: number; successCondition: string })[];
    const rows = metrics.map((m) => [
      m.name,
      m.interval,
      m.failureLimit,
      m.successCondition,
      unwrapHeldQuery(m.provider?.prometheus?.query ?? '')?.held ?? 'one read',
    ]);
    expect(rows).toEqual([
      ['rollback-0-error-rate', '15s', 0, 'result[0] <= 0.02', '2m'],
      ['rollback-1-latency-p95', '30s', 0, 'result[0] <= 1000', '5m'],
      ['rollback-2-pod-restarts', '30s', 0, 'result[0] < 3', 'one read'],
    ]);
    expect(metrics[0]?.provider?.prometheus?.query).toMatch(/^min_over_time\(\(sum\(rate\(.*\)\[2m:15s\]\)$/);
    expect(unsupported.join('\n')).not.toMatch(/rollbackTriggers/);
  });

  it("Flagger: the triggers' held-for windows are named as not expressible", () => {
    expect(exportPlan(plan, 'flagger').unsupported.join('\n')).toMatch(
      /rollbackTriggers: .*"error-rate > 2 % held for 2 min".*not exported/,
    );
  });
});
