import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serverSideApply, trackUpdate, ignoredPath } from '../../../src-main/sandbox/apply/apply.ts';
import { fieldsOf, fromFieldsV1, split, valueAt } from '../../../src-main/sandbox/apply/fieldset.ts';
import { schemaOf } from '../../../src-main/sandbox/schema/schemas.ts';

// Properties of server-side apply's merge rules (src-main/sandbox/apply), on Deployments shaped like a team's.
const schema = schemaOf('apps', 'v1', 'Deployment');
const time = '2026-01-01T00:00:00Z';
type Obj = Record<string, unknown>;

const container = fc.record(
  {
    name: fc.constantFrom('app', 'envoy', 'migrate'),
    image: fc.constantFrom('web:1', 'web:2', 'envoy:1'),
    env: fc.uniqueArray(
      fc.record({ name: fc.constantFrom('A', 'B', 'C'), value: fc.constantFrom('1', '2') }),
      { selector: (e) => e.name, maxLength: 3 },
    ),
    ports: fc.uniqueArray(
      fc.record({ containerPort: fc.constantFrom(8080, 9090), name: fc.constantFrom('http', 'metrics') }),
      { selector: (p) => p.containerPort, maxLength: 2 },
    ),
  },
  { requiredKeys: ['name', 'image'] },
);

/** An applied configuration: some of replicas, labels and containers (unique by name). */
const config = fc
  .record(
    {
      replicas: fc.integer({ min: 0, max: 5 }),
      labels: fc.dictionary(fc.constantFrom('team', 'tier', 'release'), fc.constantFrom('a', 'b')),
      containers: fc.uniqueArray(container, { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['containers'] },
  )
  .map(({ replicas, labels, containers }): Obj => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...(labels ? { labels } : {}) },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  }));

function apply(live: Obj | undefined, cfg: Obj, manager = 'ci'): Obj {
  return serverSideApply({ live, config: cfg, schema, manager, apiVersion: 'apps/v1', force: true, time });
}

/** An object another manager created (an Update, as kubectl create records it). */
function created(cfg: Obj): Obj {
  const obj = structuredClone(cfg);
  (obj.metadata as Obj).managedFields = trackUpdate({
    prev: undefined,
    next: obj,
    schema,
    manager: 'kubectl-create',
    apiVersion: 'apps/v1',
    time,
  });
  return obj;
}

const leaves = (o: unknown) => [...fieldsOf(o, schema, ignoredPath)];
/** Value paths (a list element's `.` path stands for the element, whose fields have paths of their own). */
const values = (o: unknown) => leaves(o).filter((p) => !p.endsWith('\u0000.'));
const isEmpty = (v: unknown) =>
  Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0;
/** Whether a configuration mentions a path: sets it, or sets something inside or around it (`labels: {}` vs `labels.team`). */
const mentions = (applied: string[], p: string) =>
  applied.some((a) => a === p || a.startsWith(`${p}\u0000`) || p.startsWith(`${a}\u0000`));

describe('server-side apply merge rules', () => {
  it('is idempotent: applying the same configuration twice changes nothing', () => {
    fc.assert(
      fc.property(config, config, (base, a) => {
        const once = apply(created(base), a);
        expect(apply(once, a)).toEqual(once);
      }),
    );
  });

  it("leaves the manager exactly the applied configuration's fields with their values (A, then B, then A)", () => {
    fc.assert(
      fc.property(config, config, config, (base, a, b) => {
        const result = apply(apply(apply(created(base), a), b), a);
        // (An empty map or list in a configuration claims no entries: others' entries stay in it.)
        for (const p of values(a).filter((v) => !isEmpty(valueAt(a, split(v), schema))))
          expect(valueAt(result, split(p), schema)).toEqual(valueAt(a, split(p), schema));
        const mine = (
          result.metadata as { managedFields: { manager: string; fieldsV1: unknown }[] }
        ).managedFields.find((m) => m.manager === 'ci');
        expect([...fromFieldsV1(mine?.fieldsV1)].sort()).toEqual(leaves(a).sort());
        // Nothing B alone set survives, unless the creator still owns it.
        const creator = (
          result.metadata as { managedFields: { manager: string; fieldsV1: unknown }[] }
        ).managedFields.find((m) => m.manager === 'kubectl-create');
        const creatorOwns = fromFieldsV1(creator?.fieldsV1);
        for (const p of values(b))
          if (!mentions(leaves(a), p) && ![...creatorOwns].some((c) => mentions([c], p)))
            expect(valueAt(result, split(p), schema)).toBeUndefined();
      }),
    );
  });

  it('keeps every field another manager set that the configuration does not mention', () => {
    fc.assert(
      fc.property(config, config, (base, a) => {
        const result = apply(created(base), a);
        const applied = leaves(a);
        for (const p of values(base))
          if (!mentions(applied, p))
            expect(valueAt(result, split(p), schema)).toEqual(valueAt(base, split(p), schema));
      }),
    );
  });

  it('gives an update every field it changed, takes them from other managers, and forgets removed fields', () => {
    fc.assert(
      fc.property(config, config, (base, edited) => {
        const before = created(base);
        const entries = trackUpdate({
          prev: before,
          next: edited,
          schema,
          manager: 'kubectl-edit',
          apiVersion: 'apps/v1',
          time,
        });
        const now = new Set(leaves(edited));
        for (const e of entries) for (const p of fromFieldsV1(e.fieldsV1)) expect(now.has(p)).toBe(true);
        for (const p of values(edited)) {
          if (
            JSON.stringify(valueAt(base, split(p), schema)) ===
            JSON.stringify(valueAt(edited, split(p), schema))
          )
            continue;
          const owners = entries.filter((e) => fromFieldsV1(e.fieldsV1).has(p)).map((e) => e.manager);
          expect(owners).toEqual(['kubectl-edit']);
        }
      }),
    );
  });

  it('refuses a change to a field another manager owns unless forced', () => {
    const base = created({
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    });
    const change = { metadata: { name: 'web' }, spec: { replicas: 5 } };
    expect(() =>
      serverSideApply({
        live: base,
        config: change,
        schema,
        manager: 'ci',
        apiVersion: 'apps/v1',
        force: false,
        time,
      }),
    ).toThrow('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas');
    // The same value is shared, not a conflict.
    const same = { metadata: { name: 'web' }, spec: { replicas: 3 } };
    expect(
      serverSideApply({
        live: base,
        config: same,
        schema,
        manager: 'ci',
        apiVersion: 'apps/v1',
        force: false,
        time,
      }).spec,
    ).toEqual(base.spec);
  });
});
