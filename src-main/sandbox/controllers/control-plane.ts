import type { Clock } from '../../ports/clock.port.ts';
import type { ProfileBook } from '../profiles.ts';
import type { ObjectStore } from '../store.ts';
import type { ControllerContext } from './context.ts';
import { runDaemonSets } from './daemonset.controller.ts';
import { runDeployments } from './deployment.controller.ts';
import { runEndpoints } from './endpoints.controller.ts';
import { runHorizontalPodAutoscalers } from './hpa.controller.ts';
import { runJobs } from './job.controller.ts';
import { runKubelet } from './kubelet.controller.ts';
import { runReplicaSets } from './replicaset.controller.ts';
import { runStatefulSets } from './statefulset.controller.ts';
import { WorkTracker } from './work-tracker.ts';

/** The simulated control plane: every controller, run together on each tick. */
export class ControlPlane {
  readonly ctx: ControllerContext;

  constructor(
    store: ObjectStore,
    clock: Clock,
    profiles: ProfileBook,
    registry: Readonly<Record<string, readonly string[]>> = {},
  ) {
    this.ctx = {
      store,
      clock,
      profiles,
      pods: new Map(),
      progress: new Map(),
      progressSig: new Map(),
      hashes: new Map(),
      work: new WorkTracker(store),
      seeding: false,
      registry: new Map(Object.entries(registry).map(([repo, tags]) => [repo, new Set(tags)])),
    };
  }

  /** One pass of every controller, in dependency order. */
  tick(): void {
    runKubelet(this.ctx);
    runReplicaSets(this.ctx);
    runDeployments(this.ctx);
    runJobs(this.ctx);
    runStatefulSets(this.ctx);
    runDaemonSets(this.ctx);
    runHorizontalPodAutoscalers(this.ctx);
    runEndpoints(this.ctx);
  }

  /** Runs passes with pods starting ready and no Events, until nothing changes (at most `maxPasses`). */
  settle(maxPasses = 8): void {
    this.ctx.seeding = true;
    try {
      for (let i = 0; i < maxPasses; i++) {
        const before = this.ctx.store.writes;
        this.tick();
        if (this.ctx.store.writes === before) break;
      }
    } finally {
      this.ctx.seeding = false;
    }
  }
}
