import { userInfo } from 'node:os';
import {
  createKubeReleaseOps,
  readFinishedRelease,
  rollBackFinishedRelease,
} from '../../../app/cluster-access.ts';
import { flagProviderFor } from '../../../app/flag-providers.ts';
import { createFileJournal } from '../../../app/journal-access.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import { askYes } from '../confirm.ts';
import { connect } from './run-connect.ts';

/** The flags of `switchyard rollback ID`. */
export interface RollbackOptions {
  context?: string;
  kubeconfig?: string;
  journal?: string;
  reason?: string;
  yes?: boolean;
  json?: boolean;
}

/** Rolls the completed release `id` back on its context after a confirmation; prints the traffic read back. */
export async function rollbackFinished(
  id: string,
  journalDir: string,
  opts: RollbackOptions,
  io: CliIo,
): Promise<void> {
  const journal = createFileJournal({ dir: journalDir });
  const release = await readFinishedRelease(journal, id);
  if (release.status !== 'succeeded')
    throw new CliError([
      `Release ${id} is ${release.status === 'rolledBack' ? 'already rolled back' : release.status}; only a completed release (or one a running switchyard run drives) can be rolled back.`,
    ]);
  const context = opts.context ?? release.header.context;
  if (context === 'sandbox' && !opts.kubeconfig && io.env.KUBECONFIG === undefined)
    throw new CliError(
      [
        `Release ${id} ran on an embedded sandbox that is gone; name the running sandbox's kubeconfig with --kubeconfig.`,
      ],
      ExitCode.usage,
    );
  const { plan } = release;
  const what =
    plan.strategy.kind === 'blue-green'
      ? 'back to the colour it kept'
      : plan.strategy.kind === 'flag-rollout'
        ? `back by its kill switch (flag "${plan.strategy.flag}" to ${plan.strategy.offVariant} for everyone)`
        : `back to the image ${plan.target.name} ran before ${plan.target.image}`;
  // Flag with deploy: the flag off first, then the code.
  const flagFirst = plan.flagRamp
    ? `, after its kill switch (flag "${plan.flagRamp.flag}" to ${plan.flagRamp.offVariant} for everyone)`
    : '';
  const question = `Roll the completed ${plan.strategy.kind}${plan.flagRamp ? ' and flag ramp' : ''} release ${id} of ${plan.target.namespace}/${plan.target.name} ${what}${flagFirst} on context "${context}"?`;
  if (opts.yes) io.stdout.write(opts.json ? '' : `${question} yes (--yes)\n`);
  else await askYes(io, question);
  const conn = await connect(context, { ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}) }, io);
  try {
    const ops = createKubeReleaseOps(conn.kubeconfigYaml, plan, { releaseId: id, pollMs: 200 });
    const flags = await flagProviderFor(plan, { kubeconfigYaml: conn.kubeconfigYaml, env: io.env });
    const result = await rollBackFinishedRelease({
      journal,
      releaseId: id,
      ops,
      ...(flags ? { flags } : {}),
      who: { user: userInfo().username, context: conn.context },
      ...(opts.reason ? { reason: opts.reason } : {}),
      pollMs: 200,
      now: () => conn.clock.now(),
      onProgress: (line) => {
        if (!opts.json) io.stdout.write(`${line}\n`);
      },
    });
    emit(
      io,
      Boolean(opts.json),
      {
        releaseId: id,
        status: 'rolledBack',
        restored: result.restored,
        traffic: result.traffic,
        summary: result.summary,
      },
      () => `rolled back: ${result.summary}`,
    );
  } finally {
    await conn.embedded?.close();
  }
}
