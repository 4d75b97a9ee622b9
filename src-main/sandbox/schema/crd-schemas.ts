import type { Schema } from './openapi-schema.ts';

/**
 * Schemas of the custom kinds the sandbox serves (Istio, Gateway API, Argo Rollouts, OpenFeature). These are not the
 * projects' full CRD schemas: they type the fields a release writes (routes, weights, hosts, replicas) and keep
 * every other field (`x-kubernetes-preserve-unknown-fields`), as a CRD with a partial structural schema does.
 */
const open = (description: string, properties: Record<string, Schema> = {}): Schema => ({
  description,
  type: 'object',
  properties,
  'x-kubernetes-preserve-unknown-fields': true,
});
const str = (description: string): Schema => ({ description, type: 'string' });
const int = (description: string): Schema => ({ description, type: 'integer', format: 'int32' });
const strings = (description: string): Schema => ({ description, type: 'array', items: { type: 'string' } });
const meta: Schema = { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };

function kind(
  group: string,
  versions: readonly string[],
  kindName: string,
  description: string,
  spec: Schema,
): Schema {
  return {
    description,
    type: 'object',
    properties: {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      metadata: { description: 'Standard object metadata.', allOf: [meta] },
      spec,
      status: open('Most recently observed status.'),
    },
    'x-kubernetes-group-version-kind': versions.map((version) => ({ group, version, kind: kindName })),
  };
}

const istio = ['v1beta1', 'v1', 'v1alpha3'];

const destination = open(
  'Destination uniquely identifies the instances of a service to which the request should be forwarded.',
  {
    host: str('The name of a service from the service registry.'),
    subset: str('The name of a subset within the service.'),
    port: open('Specifies the port on the host that is being addressed.', {
      number: int('Valid port number.'),
    }),
  },
);

const httpRoute = open(
  'Describes match conditions and actions for routing HTTP/1.1, HTTP2, and gRPC traffic.',
  {
    name: str('The name assigned to the route for debugging purposes.'),
    match: {
      description: 'Match conditions to be satisfied for the rule to be activated.',
      type: 'array',
      items: open('HttpMatchRequest.'),
    },
    route: {
      description: 'A HTTP rule can either return a direct_response, redirect or forward (default) traffic.',
      type: 'array',
      items: open('Each routing rule is associated with one or more service versions.', {
        destination,
        weight: int(
          'Weight specifies the relative proportion of traffic to be forwarded to the destination.',
        ),
      }),
    },
    timeout: str('Timeout for HTTP requests.'),
  },
);

const backendRef = open('BackendRef defines how a HTTPRoute forwards a HTTP request.', {
  group: str('Group is the group of the referent.'),
  kind: str('Kind is the Kubernetes resource kind of the referent.'),
  name: str('Name is the name of the referent.'),
  namespace: str('Namespace is the namespace of the backend.'),
  port: int('Port specifies the destination port number to use for this resource.'),
  weight: int('Weight specifies the proportion of requests forwarded to the referenced backend.'),
});

/** Definitions named like the Kubernetes ones: the group reversed, the version, the kind (`io.istio.networking.v1beta1.VirtualService`). */
export const crdDefinitions: Record<string, Schema> = {
  'io.istio.networking.v1beta1.VirtualService': kind(
    'networking.istio.io',
    istio,
    'VirtualService',
    'Configuration affecting label/content routing, sni routing, etc.',
    open('Configuration affecting label/content routing, sni routing, etc.', {
      hosts: strings('The destination hosts to which traffic is being sent.'),
      gateways: strings('The names of gateways and sidecars that should apply these routes.'),
      http: {
        description: 'An ordered list of route rules for HTTP traffic.',
        type: 'array',
        items: httpRoute,
      },
    }),
  ),
  'io.istio.networking.v1beta1.DestinationRule': kind(
    'networking.istio.io',
    istio,
    'DestinationRule',
    'Configuration affecting load balancing, outlier detection, etc.',
    open('Configuration affecting load balancing, outlier detection, etc.', {
      host: str('The name of a service from the service registry.'),
      subsets: {
        description: 'One or more named sets that represent individual versions of a service.',
        type: 'array',
        items: open('A subset of endpoints of a service.', {
          name: str('Name of the subset.'),
          labels: {
            description: 'Labels apply a filter over the endpoints of a service.',
            type: 'object',
            additionalProperties: { type: 'string' },
          },
        }),
      },
    }),
  ),
  'io.k8s.networking.gateway.v1.HTTPRoute': kind(
    'gateway.networking.k8s.io',
    ['v1'],
    'HTTPRoute',
    'HTTPRoute provides a way to route HTTP requests.',
    open('Spec defines the desired state of HTTPRoute.', {
      parentRefs: {
        description:
          'ParentRefs references the resources (usually Gateways) that a Route wants to be attached to.',
        type: 'array',
        items: open('ParentReference.'),
      },
      hostnames: strings(
        'Hostnames defines a set of hostnames that should match against the HTTP Host header.',
      ),
      rules: {
        description: 'Rules are a list of HTTP matchers, filters and actions.',
        type: 'array',
        items: open('HTTPRouteRule defines semantics for matching an HTTP request.', {
          backendRefs: {
            description: 'BackendRefs defines the backend(s) where matching requests should be sent.',
            type: 'array',
            items: backendRef,
          },
        }),
      },
    }),
  ),
  'io.argoproj.v1alpha1.Rollout': kind(
    'argoproj.io',
    ['v1alpha1'],
    'Rollout',
    'Rollout is a specification for a Rollout resource.',
    open('RolloutSpec is the spec for a Rollout resource.', {
      replicas: int('Number of desired pods.'),
      strategy: open('The deployment strategy to use to replace existing pods with new ones.'),
    }),
  ),
  'dev.openfeature.core.v1beta1.FeatureFlag': kind(
    'core.openfeature.dev',
    ['v1beta1'],
    'FeatureFlag',
    'FeatureFlag is the Schema for the featureflags API.',
    open('FeatureFlagSpec defines the desired state of FeatureFlag.', {
      flagSpec: open("FlagSpec holds the flags in flagd's flag definition format.", {
        flags: {
          description: 'Flags by key.',
          type: 'object',
          additionalProperties: open('A flag: its state, variants, default variant and targeting.', {
            state: str('ENABLED or DISABLED.'),
            variants: open('The values the flag can take, by variant name.'),
            defaultVariant: str('The variant served when targeting returns none.'),
            targeting: open('flagd JSON Logic that picks a variant per evaluation context.'),
          }),
        },
      }),
    }),
  ),
};
