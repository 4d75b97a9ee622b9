import type { ContextStatus } from '../../src-shared/bridge/contract.ts';
import type { ClusterPort } from '../ports/cluster.port.ts';

/**
 * Asks a context's API server who we are. Reachable means the server answered, even with a refusal (a 401
 * or 403 has an HTTP status below 500); a connection failure, a timeout, a failed credential plugin or an
 * unusable kubeconfig entry is unreachable. Never throws: the reason goes in `note`.
 */
export async function probeContext(
  context: string,
  connect: () => Promise<ClusterPort>,
): Promise<ContextStatus> {
  try {
    const identity = await (await connect()).whoAmI();
    return identity
      ? { context, reachable: true, identity }
      : { context, reachable: true, note: 'Identity not reported by this cluster.' };
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const note = error instanceof Error ? error.message : String(error);
    return { context, reachable: typeof status === 'number' && status < 500, note };
  }
}
