import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';
import type { RollbackOptions } from './rollback.action.ts';

/**
 * `switchyard rollback ID`: a live release (driven by a console or a `switchyard run`) gets a ROLLBACK event; a completed
 * release is rolled back by its own short procedure (blue-green to the colour it kept, canary or rolling to
 * the image before it), after a confirmation (`--yes`), with an audit entry and the traffic read back.
 */
export const registerRollback: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('rollback <id>')
    .description(
      'roll a release back: a live one through the console or run driving it, a completed one to what it replaced (asks first; --yes does not)',
    )
    .option('--context <name>', 'kubeconfig context (default: the one the release ran on)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option(
      '--journal <dir>',
      "journal directory (default: the per-user state directory, then the console's ~/.switchyard/journal)",
    )
    .option('--reason <text>', 'why, recorded in the audit log')
    .option('--yes', 'roll back without asking')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: RollbackOptions) => {
      const [{ liveDriver, sendControl }, { journalOf }] = await Promise.all([
        import('../../../app/journal-access.ts'),
        import('../journals.ts'),
      ]);
      const journalDir = journalOf(io, opts.journal, id);
      if (liveDriver(journalDir, id)) {
        const event = { type: 'ROLLBACK' as const, ...(opts.reason ? { reason: opts.reason } : {}) };
        const message = await sendControl(journalDir, id, { ...event, by: userInfo().username });
        emit(io, Boolean(opts.json), { releaseId: id, event: 'ROLLBACK', message }, () => message);
        return;
      }
      // Loaded on use: the engine and the Kubernetes client cost seconds that `--help` should not pay.
      const { rollbackFinished } = await import('./rollback.action.ts');
      await rollbackFinished(id, journalDir, opts, io);
    });
};
