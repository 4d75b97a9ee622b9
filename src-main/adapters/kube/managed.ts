/** Label on every object Switchyard creates; its value is `MANAGED_BY_VALUE`. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of `MANAGED_BY_LABEL` on objects Switchyard created. */
export const MANAGED_BY_VALUE = 'switchyard';
/** Annotation naming the release (its id) that created or last adopted an object. */
export const RELEASE_ANNOTATION = 'switchyard.dev/release';
