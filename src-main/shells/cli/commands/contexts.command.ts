import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { emit, type CliIo } from '../output.ts';
import type { RegisterCommand } from './register-command.ts';

/** `switchyard contexts`: the kubeconfig contexts as the console lists them (names only, no credentials). */
export const registerContexts: RegisterCommand = (program: Command, io: CliIo, setExit) => {
  program
    .command('contexts')
    .description('list kubeconfig contexts (KUBECONFIG merged as kubectl does, else ~/.kube/config)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      // Loaded on use, as in every command: `--help` and the other commands load no Kubernetes client.
      const { kubeconfigPaths, loadKubeconfig } = await import('../../../app/cluster-access.ts');
      const merged = loadKubeconfig(kubeconfigPaths(io.env), {
        implicitDefault: io.env.KUBECONFIG === undefined,
      });
      const contexts = merged.contexts.map((c) => ({
        name: c.name,
        cluster: typeof c.value.cluster === 'string' ? c.value.cluster : '',
        current: c.name === merged.currentContext,
      }));
      emit(
        io,
        Boolean(opts.json),
        { contexts, problems: merged.problems },
        () =>
          [
            ...contexts.map((c) => `${c.current ? '*' : ' '} ${c.name}\t${c.cluster}`),
            ...merged.problems.map((p) => `! ${p.file}: ${p.message}`),
          ].join('\n') || 'No contexts.',
      );
      if (merged.problems.length > 0) setExit(ExitCode.error);
    });
};
