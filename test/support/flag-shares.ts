import type { SandboxHandle } from '../../src-main/sandbox/sandbox.ts';

/** Requests counted for (namespace, job, variant) since the sandbox started (reading brings the counters to now). */
function cumulative(sb: SandboxHandle, namespace: string, job: string, variant?: string): number {
  return sb.stats({ namespace, job, ...(variant ? { variant } : {}), windowSeconds: 1e9 }).requests ?? 0;
}

/**
 * Share of a service's requests per variant over the next `sandboxMs` of sandbox time, from the counters'
 * difference (so no request from before the call counts, however coarse the sandbox's ticks are on a busy
 * machine). `total` is the same requests counted without a variant.
 */
export async function variantShares(
  sb: SandboxHandle,
  namespace: string,
  job: string,
  variants: readonly string[] = ['on', 'off'],
  sandboxMs = 60_000,
): Promise<{ share: Record<string, number>; total: number; sum: number }> {
  const before = variants.map((v) => cumulative(sb, namespace, job, v));
  const totalBefore = cumulative(sb, namespace, job);
  const from = sb.clock.now();
  const deadline = Date.now() + 30_000;
  while (sb.clock.now() < from + sandboxMs) {
    if (Date.now() > deadline) throw new Error(`The sandbox clock did not move ${sandboxMs} ms in 30 s.`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const after = variants.map((v) => cumulative(sb, namespace, job, v));
  const total = cumulative(sb, namespace, job) - totalBefore;
  const counts = after.map((a, i) => a - before[i]!);
  const sum = counts.reduce((n, c) => n + c, 0);
  return {
    share: Object.fromEntries(variants.map((v, i) => [v, sum > 0 ? counts[i]! / sum : 0])),
    total,
    sum,
  };
}
