import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { PlanProblem } from '../../src-shared/bridge/contract.ts';
import { draftFlagRamp } from '../../src-shared/plan/plan.defaults.ts';
import { FLAG_RAMP_AFTER, type StrategyKind } from '../../src-shared/plan/plan.schema.ts';

/** A path into a plan document: keys and array indexes. */
export type FieldPath = (string | number)[];

/** The key fields the form edits, as read from the YAML; null where the YAML does not say. */
export interface PlanFields {
  name: string | null;
  targetName: string | null;
  targetNamespace: string | null;
  targetImage: string | null;
  strategy: string | null;
  /** One short line per strategy step (canary or flag ramp steps), in order. */
  steps: string[];
  /** A flag ramp's flag key, flag system (`openfeature`, `unleash`) and where its flag lives. */
  flag: string | null;
  providerKind: string | null;
  /** OpenFeature: the FeatureFlag object's name. */
  providerName: string | null;
  /** Unleash: the server's URL. */
  providerUrl: string | null;
  /** A flag ramp's new variant (`on` when the plan does not say). */
  newVariant: string | null;
}

/**
 * Parses a problem path as `plan:validate` writes it (`strategy.steps[2].setWeight`, `` for the whole plan).
 * @returns the keys and indexes, outermost first.
 */
export function parseFieldPath(path: string): FieldPath {
  const out: FieldPath = [];
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    const index = /^\[(\d+)\]$/.exec(part);
    out.push(index ? Number(index[1]) : part);
  }
  return out;
}

/** Writes a field path back in the `a.b[2].c` form. */
export function formatFieldPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * The problems that belong to a field: those whose path is the field's or lies inside it.
 * `''` selects the problems about the whole plan only.
 */
export function problemsAt(problems: readonly PlanProblem[], field: string): PlanProblem[] {
  if (field === '') return problems.filter((p) => p.path === '');
  return problems.filter(
    (p) => p.path === field || p.path.startsWith(`${field}.`) || p.path.startsWith(`${field}[`),
  );
}

function stepLine(step: unknown): string {
  if (step && typeof step === 'object') {
    const s = step as Record<string, unknown>;
    const at = typeof s.at === 'string' ? ` from ${s.at}` : '';
    if (typeof s.setWeight === 'number' || typeof s.setWeight === 'string')
      return `set weight ${s.setWeight} %`;
    if (typeof s.setPercentage === 'number' || typeof s.setPercentage === 'string')
      return `flag at ${s.setPercentage} %${at}`;
    if ('pause' in s) {
      const d = (s.pause as { duration?: unknown } | null)?.duration;
      return d === undefined || d === null ? 'pause until promoted' : `pause ${String(d)}`;
    }
    if ('analysis' in s) {
      const t = (s.analysis as { templates?: unknown } | null)?.templates;
      return `analysis ${Array.isArray(t) ? t.join(', ') : ''}`.trim();
    }
  }
  return 'unrecognised step';
}

function str(v: unknown): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/**
 * Reads the form's fields from plan YAML.
 * @returns the fields, or null when the text is not a YAML mapping.
 */
export function readPlanFields(text: string): PlanFields | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const js: unknown = doc.toJS();
  if (!js || typeof js !== 'object' || Array.isArray(js)) return null;
  const plan = js as Record<string, Record<string, unknown> | undefined>;
  const steps = plan.strategy?.steps;
  return {
    name: str((js as Record<string, unknown>).name),
    targetName: str(plan.target?.name),
    targetNamespace: str(plan.target?.namespace),
    targetImage: str(plan.target?.image),
    strategy: str(plan.strategy?.kind),
    steps: Array.isArray(steps) ? steps.map(stepLine) : [],
    ...flagFields(plan.strategy, plan.flagRamp),
  };
}

function flagFields(
  strategy: Record<string, unknown> | undefined,
  flagRamp: Record<string, unknown> | undefined,
) {
  const provider = strategy?.provider as Record<string, unknown> | undefined;
  // The variant a fault can be aimed at: the ramp's, whether it is the strategy or follows the deploy.
  const ramp = strategy?.kind === 'flag-rollout' ? strategy : flagRamp;
  return {
    flag: str(strategy?.flag),
    providerKind: str(provider?.kind),
    providerName: str(provider?.name),
    providerUrl: str(provider?.url),
    newVariant: ramp ? (str(ramp.newVariant) ?? 'on') : null,
  };
}

/** Where a plan's flag ramp is: its strategy (a flag-rollout plan) or its `flagRamp` (a flag with deploy). */
export type RampAt = 'strategy' | 'flagRamp';

/** A flag ramp's fields as the form edits them, and its steps with their schedule. */
export interface RampFields {
  flag: string | null;
  providerKind: string | null;
  providerName: string | null;
  providerUrl: string | null;
  steps: { line: string; at: unknown }[];
}

/**
 * Reads the flag ramp at `at` from plan YAML.
 * @returns its fields, or null when the YAML has no flag ramp there.
 */
export function readRamp(text: string, at: RampAt): RampFields | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const js: unknown = doc.toJS();
  if (!js || typeof js !== 'object' || Array.isArray(js)) return null;
  const ramp = (js as Record<string, unknown>)[at];
  if (!ramp || typeof ramp !== 'object' || Array.isArray(ramp)) return null;
  const r = ramp as Record<string, unknown>;
  if (at === 'strategy' && r.kind !== 'flag-rollout') return null;
  const provider = r.provider as Record<string, unknown> | undefined;
  return {
    flag: str(r.flag),
    providerKind: str(provider?.kind),
    providerName: str(provider?.name),
    providerUrl: str(provider?.url),
    steps: Array.isArray(r.steps)
      ? r.steps.map((s: unknown) => {
          const step = s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
          // The schedule is shown beside the step, not in its line.
          return { line: stepLine({ ...step, at: undefined }), at: step.at };
        })
      : [],
  };
}

/**
 * Removes one field from plan YAML (a step's schedule, the flag ramp), keeping everything else.
 * @returns the new text, or the text unchanged when it is not valid YAML.
 */
export function deletePlanField(text: string, path: FieldPath): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  doc.deleteIn(path);
  return doc.toString();
}

/**
 * Adds a drafted flag ramp (`flagRamp`) to plan YAML whose strategy deploys code, with the analysis templates
 * its steps name that the plan lacks; comments and everything else kept.
 * @returns the new text, or the text unchanged when it is not YAML, has a ramp already or deploys no code.
 */
export function addFlagRamp(text: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || doc.hasIn(['flagRamp'])) return text;
  const kind = doc.getIn(['strategy', 'kind']);
  if (!FLAG_RAMP_AFTER.includes(kind as StrategyKind)) return text;
  const name = String(doc.getIn(['target', 'name']) ?? 'my-service');
  const { flagRamp, templates } = draftFlagRamp({ name, namespace: '', image: '' });
  doc.setIn(['flagRamp'], doc.createNode(flagRamp));
  const list = doc.getIn(['analysis', 'templates']);
  const have = new Set(isSeq(list) ? list.items.map((t) => (isMap(t) ? String(t.get('name')) : '')) : []);
  const missing = templates.filter((t) => !have.has(t.name));
  if (isSeq(list)) for (const t of missing) list.add(doc.createNode(t));
  else if (missing.length > 0) doc.setIn(['analysis', 'templates'], doc.createNode(missing));
  return doc.toString();
}

/**
 * Sets one field in plan YAML, keeping comments and the order of everything else.
 * @returns the new text, or the text unchanged when it is not valid YAML.
 */
export function setPlanField(text: string, path: FieldPath, value: string | number): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  doc.setIn(path, value);
  return doc.toString();
}

/**
 * The 1-based line of a field in plan YAML, falling back to its nearest existing parent.
 * @returns the line, or null when the text is not YAML or the path is empty.
 */
export function lineOfField(text: string, path: FieldPath): number | null {
  if (path.length === 0) return null;
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) return null;
  let node: unknown = doc.contents;
  let offset: number | null = null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      const k = pair.key as YamlNode;
      offset = k.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  if (offset === null) return null;
  return text.slice(0, offset).split('\n').length;
}
