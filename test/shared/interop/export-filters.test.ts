import { describe, expect, it } from 'vitest';
import { exportPlan } from '../../../src-shared/interop/interop.ts';
import { defaultPlan } from '../../../src-shared/plan/plan.defaults.ts';
import { renderMetricQuery } from '../../../src-shared/plan/promql.ts';

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
  plan.rollbackTriggers.forEach((t, i) => {
    if (t.metric !== 'custom')
      out.set(`rollback-${i}-${t.metric}`, renderMetricQuery(t.metric, { ...params, window: t.for }));
  });
  return out;
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
        const filled = (m.provider?.prometheus?.query ?? '')
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
});
