import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../ports/clock.port.ts';
import type { SandboxWrite } from './audit.ts';
import type { BehaviourProfile } from './profiles.ts';
import type { UserInfo } from './rbac.ts';
import type { ResourceType } from './resources.ts';
import type { KubeObject } from './selectors.ts';
import type { ObjectStore } from './store.ts';

/** What the API handler needs from the rest of the sandbox. */
export interface ApiServerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly token: string;
  readonly recordWrite: (w: SandboxWrite) => void;
  /** Fills defaults and validates a new or updated object of a type; throws ApiError. */
  readonly admit: (type: ResourceType, obj: KubeObject, prev: KubeObject | undefined) => KubeObject;
  /** Handles `/_sandbox/...` (already authenticated); resolves the JSON to send. */
  readonly control: (method: string, path: string, query: URLSearchParams, body: unknown) => Promise<unknown>;
  /** Prometheus exposition text for `/metrics`. */
  readonly metrics: () => string;
  /** Real milliseconds between watch bookmarks (default about a minute, as the API server sends them). */
  readonly bookmarkIntervalMs?: number;
  /** Tokens of users other than the admin (`deps.token`), whose requests RBAC decides. */
  readonly users?: readonly { readonly token: string; readonly user: UserInfo }[];
  /** How a pod's container behaves, for the lines `pods/log` serves; absent = no request lines. */
  readonly podProfile?: (pod: KubeObject) => BehaviourProfile;
}

/** What the API handler's parts share: the sandbox's dependencies and the per-server state. */
export interface ApiContext {
  readonly deps: ApiServerDeps;
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** Open watch and follow streams, ended when the server closes. */
  readonly watches: Set<ServerResponse>;
  /** Who sent each request being served (set once it is authenticated). */
  readonly requestUsers: WeakMap<IncomingMessage, UserInfo>;
}
