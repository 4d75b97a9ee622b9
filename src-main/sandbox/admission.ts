import { randomUUID } from 'node:crypto';
import { checkFeatureFlag } from './flags/feature-flag-kind.ts';
import type { ResourceType } from './resources.ts';
import { matchesLabelSelector, type KubeObject } from './selectors.ts';
import { invalid } from './status.ts';

let nextIp = 1;
function allocateClusterIp(): string {
  const n = nextIp++;
  return `10.96.${(n >> 8) & 255}.${n & 255}`;
}

function checkReplicas(kind: string, obj: KubeObject): void {
  const r = obj.spec?.replicas;
  if (r !== undefined && (typeof r !== 'number' || !Number.isInteger(r) || r < 0)) {
    throw invalid(kind, obj.metadata.name, [
      {
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(r)}: must be greater than or equal to 0`,
      },
    ]);
  }
}

function checkWorkload(kind: string, obj: KubeObject, prev: KubeObject | undefined): void {
  const spec = obj.spec;
  if (
    !spec?.selector ||
    (Object.keys(spec.selector.matchLabels ?? {}).length === 0 &&
      (spec.selector.matchExpressions ?? []).length === 0)
  ) {
    throw invalid(kind, obj.metadata.name, [{ field: 'spec.selector', message: 'Required value' }]);
  }
  if (!spec.template?.spec?.containers?.length) {
    throw invalid(kind, obj.metadata.name, [
      { field: 'spec.template.spec.containers', message: 'Required value' },
    ]);
  }
  if (!matchesLabelSelector(spec.selector, spec.template.metadata?.labels)) {
    throw invalid(kind, obj.metadata.name, [
      {
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${JSON.stringify(spec.template.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
      },
    ]);
  }
  if (prev && JSON.stringify(prev.spec?.selector) !== JSON.stringify(spec.selector)) {
    throw invalid(kind, obj.metadata.name, [
      {
        field: 'spec.selector',
        message: `Invalid value: ${JSON.stringify(spec.selector)}: field is immutable`,
      },
    ]);
  }
  checkReplicas(kind, obj);
}

function defaultPodSpec(spec: NonNullable<KubeObject['spec']>): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    c.imagePullPolicy ??= pullPolicyFor(String(c.image ?? ''));
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) defaultProbe(probe);
  }
}

/** What the API server's defaulting and admission plugins add to a Pod (not to a template). */
function defaultPod(spec: NonNullable<KubeObject['spec']>): void {
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.tolerations ??= ['not-ready', 'unreachable'].map((taint) => ({
    key: `node.kubernetes.io/${taint}`,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  }));
}

/** `Always` for an image without a tag or tagged `latest`, `IfNotPresent` otherwise (a digest counts as a tag). */
function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The defaults `kubectl describe` prints for a probe (`timeout=1s period=10s #success=1 #failure=3`). */
function defaultProbe(probe: Record<string, unknown> | undefined): void {
  if (!probe || typeof probe !== 'object') return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  const httpGet = probe.httpGet as Record<string, unknown> | undefined;
  if (httpGet && typeof httpGet === 'object') httpGet.scheme ??= 'HTTP';
}

/**
 * Defaults and validates an object before it is stored, as the API server's defaulting and
 * validation would for the fields the sandbox simulates. Returns the object to store (mutated in
 * place); throws a 422 ApiError for an invalid object.
 */
export function admit(type: ResourceType, obj: KubeObject, prev: KubeObject | undefined): KubeObject {
  const name = obj.metadata.name;
  switch (type.kind) {
    case 'Namespace':
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name };
      obj.spec = prev?.spec ?? { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      break;
    case 'Deployment': {
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.progressDeadlineSeconds ??= 600;
      obj.spec.strategy ??= { type: 'RollingUpdate' };
      if (obj.spec.strategy.type === undefined) obj.spec.strategy.type = 'RollingUpdate';
      if (obj.spec.strategy.type === 'RollingUpdate') {
        obj.spec.strategy.rollingUpdate = {
          maxSurge: '25%',
          maxUnavailable: '25%',
          ...obj.spec.strategy.rollingUpdate,
        };
      }
      checkWorkload('Deployment', obj, prev);
      obj.spec.template.metadata ??= {};
      obj.spec.template.metadata.creationTimestamp ??= null;
      defaultPodSpec(obj.spec.template.spec);
      obj.status ??= {};
      break;
    }
    case 'ReplicaSet':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      checkWorkload('ReplicaSet', obj, prev);
      defaultPodSpec(obj.spec.template.spec);
      obj.status ??= { replicas: 0 };
      break;
    case 'Pod':
      if (!obj.spec?.containers?.length)
        throw invalid('Pod', name, [{ field: 'spec.containers', message: 'Required value' }]);
      defaultPodSpec(obj.spec);
      defaultPod(obj.spec);
      obj.status ??= { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'Service':
      obj.spec ??= {};
      obj.spec.type ??= 'ClusterIP';
      obj.spec.sessionAffinity ??= 'None';
      if (obj.spec.clusterIP !== 'None')
        obj.spec.clusterIP = prev?.spec?.clusterIP ?? obj.spec.clusterIP ?? allocateClusterIp();
      obj.spec.clusterIPs = obj.spec.clusterIP === 'None' ? ['None'] : [obj.spec.clusterIP];
      for (const p of obj.spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      if (obj.spec.type !== 'ExternalName') {
        obj.spec.ipFamilyPolicy ??= 'SingleStack';
        obj.spec.ipFamilies ??= ['IPv4'];
        obj.spec.internalTrafficPolicy ??= 'Cluster';
      }
      obj.status ??= { loadBalancer: {} };
      break;
    case 'Job': {
      obj.spec ??= {};
      obj.spec.completions ??= 1;
      obj.spec.parallelism ??= 1;
      obj.spec.backoffLimit ??= 6;
      const uid =
        prev?.metadata.labels?.['controller-uid'] ??
        obj.spec.selector?.matchLabels?.['controller-uid'] ??
        randomUUID();
      obj.spec.selector ??= { matchLabels: { 'controller-uid': uid } };
      obj.spec.template ??= {};
      obj.spec.template.metadata ??= {};
      obj.spec.template.metadata.labels = {
        'controller-uid': uid,
        'job-name': name,
        ...obj.spec.template.metadata.labels,
      };
      obj.spec.template.spec ??= {};
      obj.spec.template.spec.restartPolicy ??= 'Never';
      if (!obj.spec.template.spec.containers?.length)
        throw invalid('Job', name, [{ field: 'spec.template.spec.containers', message: 'Required value' }]);
      defaultPodSpec(obj.spec.template.spec);
      obj.status ??= {};
      break;
    }
    case 'StatefulSet':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.podManagementPolicy ??= 'OrderedReady';
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      checkWorkload('StatefulSet', obj, prev);
      defaultPodSpec(obj.spec.template.spec);
      obj.status ??= { replicas: 0, availableReplicas: 0 };
      break;
    case 'DaemonSet':
      obj.spec ??= {};
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.updateStrategy ??= {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
      };
      checkWorkload('DaemonSet', obj, prev);
      defaultPodSpec(obj.spec.template.spec);
      obj.status ??= {
        currentNumberScheduled: 0,
        desiredNumberScheduled: 0,
        numberMisscheduled: 0,
        numberReady: 0,
      };
      break;
    case 'Rollout':
      checkReplicas('Rollout', obj);
      break;
    case 'FeatureFlag':
      checkFeatureFlag(obj);
      break;
    default:
      break;
  }
  return obj;
}
