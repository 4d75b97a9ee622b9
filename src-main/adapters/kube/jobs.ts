import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import type { JobResult, JobSpec } from '../../ports/release.port.ts';
import { sleep } from '../abortable-sleep.ts';
import { ClusterError } from './kube-errors.ts';
import type { KubeObjects } from './kube-objects.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './managed.ts';

/**
 * Runs a migration Job (argv, no shell) to completion or failure; see `ReleaseOps.runJob`. Its name carries a hash
 * of the release, image and command, so calling it again after a crash finds the same Job instead of starting
 * another. Waits `jobTimeoutMs` (default 30 minutes) at most.
 */
export async function runJob(o: KubeObjects, spec: JobSpec, signal?: AbortSignal): Promise<JobResult> {
  const id = createHash('sha256')
    .update(JSON.stringify([o.releaseId(), spec.image, spec.command]))
    .digest('hex')
    .slice(0, 8);
  const name = `${spec.name.slice(0, 52).replace(/-+$/, '')}-${id}`;
  const label = `Job ${o.ns}/${name}`;
  const getJob = () =>
    o.getOrUndefined(`reading ${label}`, () => o.k.batch.readNamespacedJob({ name, namespace: o.ns }));
  let job = await getJob();
  if (!job) {
    const [command, ...args] = spec.command;
    const body: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: o.ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'job', image: spec.image, command: command ? [command] : [], args }],
          },
        },
      },
    };
    try {
      job = await o.k.write(`creating ${label}`, () =>
        o.k.batch.createNamespacedJob({ namespace: o.ns, body, fieldManager: o.fieldManager }),
      );
    } catch (error) {
      if (!(error instanceof ClusterError && error.clusterKind === 'conflict')) throw error;
      job = await getJob();
    }
  }
  const deadline = Date.now() + (o.options.jobTimeoutMs ?? 1_800_000);
  for (;;) {
    const conditions = job?.status?.conditions ?? [];
    const done = conditions.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    if (done?.type === 'Complete' || (job?.status?.succeeded ?? 0) > 0)
      return { succeeded: true, message: `${label} completed.` };
    if (done?.type === 'Failed' || (job?.status?.failed ?? 0) > (job?.spec?.backoffLimit ?? 0))
      return { succeeded: false, message: `${label} failed${done?.message ? `: ${done.message}` : ''}.` };
    if (Date.now() > deadline) return { succeeded: false, message: `${label} did not finish in time.` };
    await sleep(o.pollMs, signal);
    job = await getJob();
  }
}
