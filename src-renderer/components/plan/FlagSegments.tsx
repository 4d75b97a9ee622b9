import { useMemo } from 'react';
import { parseDocument } from 'yaml';
import type { RampAt } from '../../lib/plan-fields.ts';
import { usePlan } from '../../store/plan.store.ts';
import { TextField } from './TextField.tsx';

const OPERATORS = ['in', 'not_in', 'ends_with', 'starts_with'] as const;

interface SegmentRow {
  name: string;
  attribute: string;
  operator: string;
  values: string[];
}

/** The segments of the flag ramp at `at` as rows, or null when the YAML has no flag ramp there. */
function readSegments(text: string, at: RampAt): SegmentRow[] | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const ramp = (doc.toJS() as Record<string, { kind?: string; segments?: unknown } | undefined> | null)?.[at];
  if (!ramp || typeof ramp !== 'object' || (at === 'strategy' && ramp.kind !== 'flag-rollout')) return null;
  const list = Array.isArray(ramp.segments) ? (ramp.segments as Partial<SegmentRow>[]) : [];
  return list.map((s) => ({
    name: String(s.name ?? ''),
    attribute: String(s.attribute ?? ''),
    operator: String(s.operator ?? 'in'),
    values: Array.isArray(s.values) ? s.values.map(String) : [],
  }));
}

/** `text` with the segments of the flag ramp at `at` replaced by `rows` (removed when empty). */
function writeSegments(text: string, at: RampAt, rows: SegmentRow[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  if (rows.length === 0) doc.deleteIn([at, 'segments']);
  else doc.setIn([at, 'segments'], doc.createNode(rows));
  return doc.toString();
}

/**
 * A flag ramp's users-targeting segments (served the new variant before any percentage) as editable rows:
 * name, attribute, operator and comma-separated values; edits go into the YAML, problems show there.
 */
export function FlagSegments({ at = 'strategy' }: { at?: RampAt }) {
  const { text, setText } = usePlan();
  const rows = useMemo(() => readSegments(text, at), [text, at]);
  if (!rows) return null;
  // Ids stay unique beside the strategy's own segments while a plan is half-edited with both.
  const id = (i: number, field: string) => `segment-${at}-${i}-${field}`;
  const heading = `flag-segments-heading-${at}`;
  const change = (i: number, patch: Partial<SegmentRow>) =>
    setText(
      writeSegments(
        text,
        at,
        rows.map((r, j) => (j === i ? { ...r, ...patch } : r)),
      ),
    );
  return (
    <section className="panel form" aria-labelledby={heading}>
      <h2 id={heading}>{at === 'strategy' ? 'Segments' : 'Segments of the ramp'}</h2>
      {rows.length === 0 && <p className="muted">No segments: the ramp starts with the percentages.</p>}
      {rows.map((r, i) => (
        <fieldset key={i} aria-label={`Segment ${i + 1}`}>
          <TextField
            id={id(i, 'name')}
            label="Name"
            value={r.name}
            onChange={(name) => change(i, { name })}
          />
          <TextField
            id={id(i, 'attribute')}
            label="Attribute"
            value={r.attribute}
            onChange={(attribute) => change(i, { attribute })}
          />
          <div className="field">
            <label htmlFor={id(i, 'operator')}>Operator</label>
            <select
              id={id(i, 'operator')}
              value={r.operator}
              onChange={(e) => change(i, { operator: e.target.value })}
            >
              {OPERATORS.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </div>
          {/* Empty parts stay while typing ("gold, "), so a comma does not vanish under the cursor. */}
          <TextField
            id={id(i, 'values')}
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
                  at,
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
            writeSegments(text, at, [
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
