/** Label every object Switchyard creates carries, with the value `MANAGED_BY_VALUE`. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'switchyard';
/** Annotation naming the release that created or owns an object (its release id). */
export const RELEASE_ANNOTATION = 'switchyard.dev/release';
