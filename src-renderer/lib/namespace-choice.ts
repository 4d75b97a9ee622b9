/** Where the renderer keeps the namespace last opened per context (the renderer's persisted settings). */
const KEY = 'switchyard.namespaceByContext';

/** The namespace last opened in `context`, if any. */
export function rememberedNamespace(context: string): string | undefined {
  return readAll()[context];
}

/** Remembers the namespace opened in `context`, for the next time it is picked (also after a reload). */
export function rememberNamespace(context: string, namespace: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...readAll(), [context]: namespace }));
  } catch {
    // Storage full or disabled: the choice is then only kept for this session.
  }
}

function readAll(): Record<string, string> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** System namespaces a user rarely means to release into. */
const SYSTEM = /^(kube-|default$|argo-rollouts$|istio-system$)/;

/**
 * The namespace to open: the one last opened here, else the context's own (kubeconfig), else the first
 * non-system namespace that holds workloads, else the first namespace.
 */
export function chooseNamespace(
  namespaces: readonly string[],
  options: { remembered?: string; contextNamespace?: string; withWorkloads?: readonly string[] },
): string | undefined {
  const has = (n: string | undefined): n is string => n !== undefined && namespaces.includes(n);
  if (has(options.remembered)) return options.remembered;
  if (has(options.contextNamespace)) return options.contextNamespace;
  const busy = (options.withWorkloads ?? []).filter(has);
  return busy.find((n) => !SYSTEM.test(n)) ?? busy[0] ?? namespaces[0];
}
