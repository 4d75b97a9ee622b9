/**
 * What the CLI's commands use of the journal and the control channel. Shells import only `app`, `bridge` and
 * `src-shared` (the layering lint enforces it); the composition root hands them these.
 */
export { describeDriver, driverSummary, liveDriver, sendControl } from '../engine/journal/control-channel.ts';
export { createFileJournal, defaultJournalDir } from '../engine/journal/file-journal.ts';
export type { ReleaseHandle } from '../engine/runner/release-runner.ts';
