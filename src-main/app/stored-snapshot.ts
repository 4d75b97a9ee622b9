import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseSnapshot } from '../../src-shared/release/release.schema.ts';
import { assessMeasurements } from '../../src-shared/stats/threshold-analysis.ts';
import { JOURNAL_FILES } from '../engine/journal/file-journal.ts';
import type { StateValueLike } from '../engine/machines/projection.ts';
import { withFinishedRollback } from '../engine/rollback/finished-rollback.ts';
import type { PersistedRelease } from '../engine/runner/release-runner.ts';
import { strategyFor } from '../engine/runner/strategies.ts';

/**
 * The projection of a release from its journal directory `dir` (its last saved state), as a console or
 * `switchyard status` shows a release no process drives; null when the record cannot be read.
 */
export function storedSnapshot(dir: string): ReleaseSnapshot | null {
  try {
    const record = JSON.parse(readFileSync(join(dir, JOURNAL_FILES.record), 'utf8')) as {
      snapshot: PersistedRelease | null;
    };
    const p = record.snapshot;
    const x = p?.xstate as { value?: StateValueLike; context?: unknown } | null | undefined;
    if (!p || !x?.value || !x.context) return null;
    return withFinishedRollback(
      strategyFor(p.plan, assessMeasurements, p.machine).project(x.value, x.context),
      p,
    );
  } catch {
    return null;
  }
}
