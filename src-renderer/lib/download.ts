/** Saves text as a file through the browser's download (works in both shells). */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The file name of a plan's export: the plan's top-level `name` (else `plan`), made safe for a file name,
 * then the format, e.g. `checkout-canary.argo-rollouts.yaml`.
 */
export function exportFilename(planText: string, to: 'argo' | 'flagger'): string {
  const m = /^name:\s*(?:'([^']*)'|"([^"]*)"|([^\s#]+))/m.exec(planText);
  const name = m?.[1] ?? m?.[2] ?? m?.[3] ?? 'plan';
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'plan';
  return `${safe}.${to === 'argo' ? 'argo-rollouts' : 'flagger'}.yaml`;
}
