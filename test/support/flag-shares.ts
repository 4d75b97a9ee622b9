import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';

/**
 * `http_requests_total` of (namespace, job) per `feature_flag_variant` (`''` for series without the label), as
 * one scrape of the sandbox's `/metrics` says: every series read at the same instant.
 */
async function scrape(sb: SandboxHandle, namespace: string, job: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${sb.url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    if (!line.includes(`job="${job}"`) || !line.includes(`namespace="${namespace}"`)) continue;
    const variant = /feature_flag_variant="([^"]*)"/.exec(line)?.[1] ?? '';
    out.set(variant, (out.get(variant) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/**
 * Share of a service's requests per variant over the next `sandboxMs` of sandbox time, from the difference of
 * two scrapes of `/metrics` (so no request from before the call counts, however coarse the sandbox's ticks are
 * on a busy machine). `unlabelled` counts requests in series without a variant.
 */
export async function variantShares(
  sb: SandboxHandle,
  namespace: string,
  job: string,
  sandboxMs = 60_000,
): Promise<{ share: Record<string, number>; total: number; unlabelled: number }> {
  const before = await scrape(sb, namespace, job);
  const from = sb.clock.now();
  const deadline = Date.now() + 30_000;
  while (sb.clock.now() < from + sandboxMs) {
    if (Date.now() > deadline) throw new Error(`The sandbox clock did not move ${sandboxMs} ms in 30 s.`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const after = await scrape(sb, namespace, job);
  const counts = new Map([...after].map(([v, n]) => [v, n - (before.get(v) ?? 0)]));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const share: Record<string, number> = {};
  for (const [v, n] of counts) if (v) share[v] = total > 0 ? n / total : 0;
  return { share, total, unlabelled: counts.get('') ?? 0 };
}
