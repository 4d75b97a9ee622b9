import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal, verifyAudit } from '../src-main/engine/journal/file-journal.ts';

// The journal write sits between a decision and its cluster mutation, so its latency adds to the
// reaction time (target ≤ 1 s from a breaching sample to traffic back on stable).
const RECORDS = 300;
const AUDIT_ENTRIES = 5_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

const root = await mkdtemp(join(tmpdir(), 'switchyard-journal-bench-'));
try {
  const journal = createFileJournal({ dir: root, user: 'bench' });
  const header = {
    context: 'sandbox',
    namespace: 'platform-production',
    strategy: 'canary',
    planName: 'bench',
    startedAtMs: Date.now(),
  };
  // A canary snapshot of realistic size: machine state plus a window of analysis samples.
  const snapshot = {
    status: 'active',
    value: { analysis: 'measuring' },
    context: {
      step: 3,
      weight: 25,
      samples: Array.from({ length: 60 }, (_, i) => ({
        metric: 'error-rate',
        atMs: 1_764_000_000_000 + i * 5_000,
        value: 0.004,
      })),
    },
  };
  const release = await journal.create({ releaseId: 'bench-record', ...header });
  const latencies: number[] = [];
  for (let i = 0; i < RECORDS; i += 1) {
    const started = performance.now();
    await release.record({
      status: 'running',
      snapshot,
      event: { what: 'analysis', why: `Sample ${i} within thresholds.`, data: { i } },
    });
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const p50 = round(percentile(latencies, 50));
  const p95 = round(percentile(latencies, 95));
  console.log(`record (append + atomic snapshot, fsynced), ${RECORDS} runs: p50 ${p50} ms, p95 ${p95} ms`);

  const long = await journal.create({ releaseId: 'bench-long', ...header });
  await Promise.all(
    Array.from({ length: AUDIT_ENTRIES }, (_, i) => long.append({ what: 'tick', why: `Entry ${i}.` })),
  );
  await long.close();
  let started = performance.now();
  const reopened = await createFileJournal({ dir: root, user: 'bench' }).open('bench-long');
  await reopened.load();
  const openMs = round(performance.now() - started);
  console.log(`open + load of a release with ${AUDIT_ENTRIES} audit entries: ${openMs} ms`);
  started = performance.now();
  const verification = await verifyAudit(reopened.dir);
  const verifyMs = round(performance.now() - started);
  if (!verification.ok) throw new Error(verification.problem);
  console.log(`verifyAudit over ${AUDIT_ENTRIES} entries: ${verifyMs} ms`);

  console.log(
    JSON.stringify({
      bench: 'journal',
      record_p50_ms: p50,
      record_p95_ms: p95,
      target_record_p95_ms: 50,
      open_5k_entries_ms: openMs,
      verify_5k_entries_ms: verifyMs,
      target_open_5k_entries_ms: 1000,
    }),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
