import { useMemo } from 'react';
import { parseDocument } from 'yaml';
import { usePlan } from '../../store/plan.store.ts';

const OPERATORS = ['in', 'not_in', 'ends_with', 'starts_with'] as const;

interface SegmentRow {
  name: string;
  attribute: string;
  operator: string;
  values: string[];
}

/** The plan's `strategy.segments` as rows, or null when the YAML is not a flag-rollout plan. */
function readSegments(text: string): SegmentRow[] | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const strategy = (doc.toJS() as { strategy?: { kind?: string; segments?: unknown } } | null)?.strategy;
  if (strategy?.kind !== 'flag-rollout') return null;
  const list = Array.isArray(strategy.segments) ? (strategy.segments as Partial<SegmentRow>[]) : [];
  return list.map((s) => ({
    name: String(s.name ?? ''),
    attribute: String(s.attribute ?? ''),
    operator: String(s.operator ?? 'in'),
    values: Array.isArray(s.values) ? s.values.map(String) : [],
  }));
}

/** `text` with `strategy.segments` replaced by `rows` (removed when empty). */
function writeSegments(text: string, rows: SegmentRow[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  if (rows.length === 0) doc.deleteIn(['strategy', 'segments']);
  else doc.setIn(['strategy', 'segments'], doc.createNode(rows));
  return doc.toString();
}

/** One labelled text input of a segment row. */
function SegmentField(p: { id: string; label: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={p.id}>{p.label}</label>
      <input id={p.id} value={p.value} onChange={(e) => p.onChange(e.target.value)} />
    </div>
  );
}

/**
 * A flag ramp's users-targeting segments (served the new variant before any percentage) as editable rows:
 * name, attribute, operator and comma-separated values; edits go into the YAML, problems show there.
 */
export function FlagSegments() {
  const { text, setText } = usePlan();
  const rows = useMemo(() => readSegments(text), [text]);
  if (!rows) return null;
  const change = (i: number, patch: Partial<SegmentRow>) =>
    setText(
      writeSegments(
        text,
        rows.map((r, j) => (j === i ? { ...r, ...patch } : r)),
      ),
    );
  return (
    <section className="panel form" aria-labelledby="flag-segments-heading">
      <h2 id="flag-segments-heading">Segments</h2>
      {rows.length === 0 && <p className="muted">No segments: the ramp starts with the percentages.</p>}
      {rows.map((r, i) => (
        <fieldset key={i} aria-label={`Segment ${i + 1}`}>
          <SegmentField
            id={`segment-${i}-name`}
            label="Name"
            value={r.name}
            onChange={(name) => change(i, { name })}
          />
          <SegmentField
            id={`segment-${i}-attribute`}
            label="Attribute"
            value={r.attribute}
            onChange={(attribute) => change(i, { attribute })}
          />
          <div className="field">
            <label htmlFor={`segment-${i}-operator`}>Operator</label>
            <select
              id={`segment-${i}-operator`}
              value={r.operator}
              onChange={(e) => change(i, { operator: e.target.value })}
            >
              {OPERATORS.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </div>
          {/* Empty parts stay while typing ("gold, "), so a comma does not vanish under the cursor. */}
          <SegmentField
            id={`segment-${i}-values`}
            label="Values (comma-separated)"
            value={r.values.join(', ')}
            onChange={(v) => change(i, { values: v === '' ? [] : v.split(',').map((x) => x.trim()) })}
          />
          <button
            type="button"
            onClick={() =>
              setText(
                writeSegments(
                  text,
                  rows.filter((_, j) => j !== i),
                ),
              )
            }
          >
            Remove segment
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        onClick={() =>
          setText(
            writeSegments(text, [
              ...rows,
              { name: 'beta testers', attribute: 'tier', operator: 'in', values: ['beta'] },
            ]),
          )
        }
      >
        Add segment
      </button>
    </section>
  );
}
