import type { ReleasePlan } from '../../../../src-shared/plan/plan.schema.ts';
import type { TrafficRouter } from '../../../ports/traffic-router.port.ts';
import type { KubeObjects } from '../kube-objects.ts';
import { GatewayApiRouter } from './gateway-api.ts';
import { IstioRouter } from './istio.ts';
import { ReplicaRatioRouter } from './replica-ratio.ts';
import { ServiceSelectorRouter } from './service-selector.ts';

type RouterConfig = ReleasePlan['router'];
type Factories = {
  [K in RouterConfig['kind']]: (o: KubeObjects, config: Extract<RouterConfig, { kind: K }>) => TrafficRouter;
};

/**
 * The one place that maps a plan's `router.kind` to its implementation. Adding a router: its file here, its
 * variant in `src-shared/plan/plan.schema.ts`, one line below, and its routing in the sandbox.
 */
const ROUTERS: Factories = {
  istio: (o, config) => new IstioRouter(o, config),
  'gateway-api': (o, config) => new GatewayApiRouter(o, config),
  'service-selector': (o, config) => new ServiceSelectorRouter(o, config),
  'replica-ratio': (o, config) => new ReplicaRatioRouter(o, config),
};

/** The router of `o`'s plan, reading and writing through `o`. */
export function createRouter(o: KubeObjects): TrafficRouter {
  const config = o.plan.router;
  const factory = ROUTERS[config.kind] as (o: KubeObjects, config: RouterConfig) => TrafficRouter;
  return factory(o, config);
}
