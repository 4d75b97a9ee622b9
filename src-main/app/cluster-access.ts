/**
 * What the CLI's commands use to reach a cluster: kubeconfig contexts, release operations, the scaled clock of a
 * sandbox. Shells import only `app`, `bridge` and `src-shared` (the layering lint enforces it). Loaded on use by
 * the commands that need it, so `switchyard --help` does not pay for the Kubernetes client.
 */
export { kubeconfigForContext, kubeconfigPaths, loadKubeconfig } from '../adapters/kube/kubeconfig.ts';
export { createKubeReleaseOps } from '../adapters/kube/release-ops.ts';
export { removeLeftCanary } from '../adapters/kube/canary-cleanup.ts';
export { createScaledClock } from '../adapters/clock/scaled-clock.ts';
export { readFinishedRelease, rollBackFinishedRelease } from '../engine/rollback/finished-rollback.ts';
