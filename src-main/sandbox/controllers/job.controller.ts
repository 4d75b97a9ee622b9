import { kubeTime } from '../store.ts';
import { isActive, isReady, writeStatus, type ControllerContext } from './context.ts';
import { createPodFrom } from './replicaset.controller.ts';

/** Runs Jobs: keeps `parallelism` pods active until `completions` succeed or `backoffLimit` failures, then sets Complete or Failed. */
export function runJobs(ctx: ControllerContext): void {
  const now = kubeTime(ctx.clock.now());
  for (const job of ctx.work.take('jobs')) {
    const pods = ctx.work.childrenOf(job.metadata.uid);
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
    let active = pods.filter(isActive);
    const conditions: unknown[] = job.status?.conditions ?? [];
    const finished = conditions.some((c) => ['Complete', 'Failed'].includes((c as { type: string }).type));
    let newConditions = conditions;
    let completionTime = job.status?.completionTime;
    if (!finished && !job.spec.suspend) {
      if (succeeded >= job.spec.completions) {
        newConditions = [{ type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now }];
        completionTime = now;
      } else if (failed > job.spec.backoffLimit) {
        newConditions = [
          {
            type: 'Failed',
            status: 'True',
            lastProbeTime: now,
            lastTransitionTime: now,
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ];
        for (const p of active) ctx.store.delete('pods', p.metadata.namespace, p.metadata.name);
        active = [];
      } else {
        const want = Math.min(job.spec.parallelism, job.spec.completions - succeeded) - active.length;
        for (let i = 0; i < want; i++) active.push(createPodFrom(ctx, job, job.spec.template));
      }
    }
    writeStatus(ctx, 'jobs.batch', job, {
      ...(newConditions.length > 0 ? { conditions: newConditions } : {}),
      startTime: job.status?.startTime ?? now,
      ...(completionTime ? { completionTime } : {}),
      ...(active.length > 0 ? { active: active.length } : {}),
      ...(succeeded > 0 ? { succeeded } : {}),
      ...(failed > 0 ? { failed } : {}),
      ready: active.filter(isReady).length,
      terminating: 0,
    });
  }
}
