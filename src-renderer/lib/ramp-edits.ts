import { isMap, isSeq, parseDocument, YAMLMap, type Document } from 'yaml';
import type { RampAt } from './plan-fields.ts';

/** A new flag ramp step as the steps editor adds it: a percentage, a pause (a duration or until promoted), an analysis. */
export type NewRampStep =
  | { kind: 'percentage'; percent: number | string }
  | { kind: 'pause'; duration: string }
  | { kind: 'analysis'; template: string };

/** A step as its row edits it; `unknown` for a step the YAML writes some other way (its problems say how). */
export type RampStepRow =
  | { kind: 'percentage'; percent: string }
  | { kind: 'pause'; duration: string }
  | { kind: 'analysis'; template: string }
  | { kind: 'unknown' };

/** A prerequisite as its row edits it: the other flag, and fully on (100 %) or serving a variant. */
export interface PrerequisiteRow {
  flag: string;
  requires: 'on' | 'variant';
  variant: string;
}

/** Runs `edit` on the parsed plan; the text unchanged when it is not YAML or `edit` says no (returns false). */
function editDoc(text: string, edit: (doc: Document) => boolean | void): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  return edit(doc) === false ? text : doc.toString();
}

/** A small map written inline (`{ duration: 10m }`), as plans write a step's body. */
function flowMap(doc: Document, value: object): YAMLMap {
  const node = doc.createNode(value) as YAMLMap;
  node.flow = true;
  return node;
}

/**
 * A percentage as typed: a number when it is written as one (`25`, `2.5`), else the text, so validation names it
 * at its field and a half-typed `2.` stays in the field rather than turning into `2` under the cursor.
 */
function percentValue(typed: number | string): number | string {
  if (typeof typed === 'number') return typed;
  const t = typed.trim();
  return t !== '' && String(Number(t)) === t ? Number(t) : t;
}

/**
 * Adds the node `build` makes at the end of the ramp's list `key`, started when there is none; an empty list
 * written inline (`steps: []`) becomes one item a line, as plans write it.
 */
function appendToRamp(text: string, at: RampAt, key: string, build: (doc: Document) => YAMLMap): string {
  return editDoc(text, (doc) => {
    if (!isMap(doc.getIn([at]))) return false;
    const list = doc.getIn([at, key]);
    if (!isSeq(list)) return void doc.setIn([at, key], doc.createNode([build(doc)]));
    if (list.items.length === 0) list.flow = false;
    list.add(build(doc));
  });
}

function stepNode(doc: Document, step: NewRampStep): YAMLMap {
  if (step.kind === 'percentage')
    return doc.createNode({ setPercentage: percentValue(step.percent) }) as YAMLMap;
  const node = new YAMLMap();
  if (step.kind === 'pause')
    node.set('pause', flowMap(doc, step.duration.trim() === '' ? {} : { duration: step.duration.trim() }));
  else node.set('analysis', flowMap(doc, { templates: [step.template] }));
  return node;
}

/**
 * Adds `step` at the end of the ramp's steps (a `steps` list is started when there is none).
 * @returns the new text, or the text unchanged when it is not YAML or has no flag ramp at `at`.
 */
export function addRampStep(text: string, at: RampAt, step: NewRampStep): string {
  return appendToRamp(text, at, 'steps', (doc) => stepNode(doc, step));
}

/**
 * Removes step `index` whole (its schedule and comments with it); the list stays, empty if it was the last,
 * so validation says a ramp needs a step.
 * @returns the new text, or the text unchanged when there is no such step.
 */
export function removeRampStep(text: string, at: RampAt, index: number): string {
  return editDoc(text, (doc) => {
    const steps = doc.getIn([at, 'steps']);
    if (!isSeq(steps) || index < 0 || index >= steps.items.length) return false;
    steps.items.splice(index, 1);
  });
}

/**
 * Moves step `index` one place up (`-1`) or down (`1`), whole: its schedule and comments go with it.
 * @returns the new text, or the text unchanged when the step cannot move that way.
 */
export function moveRampStep(text: string, at: RampAt, index: number, by: -1 | 1): string {
  return editDoc(text, (doc) => {
    const steps = doc.getIn([at, 'steps']);
    const to = index + by;
    if (!isSeq(steps) || index < 0 || to < 0 || to >= steps.items.length || index >= steps.items.length)
      return false;
    const [item] = steps.items.splice(index, 1);
    steps.items.splice(to, 0, item);
  });
}

/**
 * Replaces what step `index` does (its percentage, pause or analysis), keeping its schedule (`at`).
 * A percentage typed that is not a number is written as typed, so validation names it at the field.
 * @returns the new text, or the text unchanged when there is no such step.
 */
export function setRampStep(text: string, at: RampAt, index: number, step: RampStepRow): string {
  if (step.kind === 'unknown') return text;
  return editDoc(text, (doc) => {
    const node = doc.getIn([at, 'steps', index]);
    if (!isMap(node)) return false;
    const fresh = stepNode(doc, step);
    for (const key of ['setPercentage', 'pause', 'analysis']) node.delete(key);
    // The step's body first, its schedule after it, as plans write them.
    node.items.unshift(...(fresh as YAMLMap).items);
  });
}

/** The steps of the ramp at `at` as rows, or null when the YAML has no flag ramp there. */
export function readRampSteps(text: string, at: RampAt): RampStepRow[] | null {
  const ramp = rampOf(text, at);
  if (!ramp) return null;
  const steps = Array.isArray(ramp.steps) ? (ramp.steps as unknown[]) : [];
  return steps.map((s): RampStepRow => {
    const step = s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
    const kinds = ['setPercentage', 'pause', 'analysis'].filter((k) => k in step);
    if (kinds.length !== 1) return { kind: 'unknown' };
    if ('setPercentage' in step) return { kind: 'percentage', percent: String(step.setPercentage ?? '') };
    if ('pause' in step) {
      const d = (step.pause as { duration?: unknown } | null)?.duration;
      return { kind: 'pause', duration: d === undefined || d === null ? '' : String(d) };
    }
    const t = (step.analysis as { templates?: unknown } | null)?.templates;
    return { kind: 'analysis', template: Array.isArray(t) ? t.map(String).join(', ') : '' };
  });
}

/** Whether the ramp at `at` is written in the old form (`percentages`, no `steps`), which the steps editor leaves alone. */
export function isOldFormRamp(text: string, at: RampAt): boolean {
  const ramp = rampOf(text, at);
  return ramp !== null && ramp.steps === undefined && ramp.percentages !== undefined;
}

/** The names of the plan's analysis templates, in order. */
export function templateNames(text: string): string[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return [];
  const list = doc.getIn(['analysis', 'templates']);
  return isSeq(list)
    ? list.items.flatMap((t) => (isMap(t) && t.get('name') ? [String(t.get('name'))] : []))
    : [];
}

function rampOf(text: string, at: RampAt): Record<string, unknown> | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const js: unknown = doc.toJS();
  const ramp = js && typeof js === 'object' ? (js as Record<string, unknown>)[at] : undefined;
  if (!ramp || typeof ramp !== 'object' || Array.isArray(ramp)) return null;
  const r = ramp as Record<string, unknown>;
  return at === 'strategy' && r.kind !== 'flag-rollout' ? null : r;
}

/** The prerequisites of the ramp at `at` as rows, or null when the YAML has no flag ramp there. */
export function readPrerequisites(text: string, at: RampAt): PrerequisiteRow[] | null {
  const ramp = rampOf(text, at);
  if (!ramp) return null;
  const list = Array.isArray(ramp.prerequisites) ? (ramp.prerequisites as unknown[]) : [];
  return list.map((p) => {
    const r = p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
    const variant = r.variant === undefined || r.variant === null ? null : String(r.variant);
    return {
      flag: r.flag === undefined || r.flag === null ? '' : String(r.flag),
      requires: variant === null ? 'on' : 'variant',
      variant: variant ?? '',
    };
  });
}

function prerequisiteNode(doc: Document, row: PrerequisiteRow): YAMLMap {
  return flowMap(
    doc,
    row.requires === 'on' ? { flag: row.flag, percent: 100 } : { flag: row.flag, variant: row.variant },
  );
}

/**
 * Adds a prerequisite at the end of the ramp's list (started when there is none).
 * @returns the new text, or the text unchanged when it is not YAML or has no flag ramp at `at`.
 */
export function addPrerequisite(text: string, at: RampAt, row: PrerequisiteRow): string {
  return appendToRamp(text, at, 'prerequisites', (doc) => prerequisiteNode(doc, row));
}

/**
 * Sets prerequisite `index` to `row` (`{ flag, percent: 100 }` or `{ flag, variant }`).
 * @returns the new text, or the text unchanged when there is no such prerequisite.
 */
export function setPrerequisite(text: string, at: RampAt, index: number, row: PrerequisiteRow): string {
  return editDoc(text, (doc) => {
    const list = doc.getIn([at, 'prerequisites']);
    if (!isSeq(list) || index < 0 || index >= list.items.length) return false;
    const old = list.items[index];
    const fresh = prerequisiteNode(doc, row);
    // An entry written as a block stays a block.
    if (isMap(old)) fresh.flow = old.flow ?? false;
    if (isMap(old)) fresh.commentBefore = old.commentBefore;
    list.items[index] = fresh;
  });
}

/**
 * Removes prerequisite `index`; the `prerequisites` key goes with the last one.
 * @returns the new text, or the text unchanged when there is no such prerequisite.
 */
export function removePrerequisite(text: string, at: RampAt, index: number): string {
  return editDoc(text, (doc) => {
    const list = doc.getIn([at, 'prerequisites']);
    if (!isSeq(list) || index < 0 || index >= list.items.length) return false;
    list.items.splice(index, 1);
    if (list.items.length === 0) doc.deleteIn([at, 'prerequisites']);
  });
}
