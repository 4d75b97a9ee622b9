import { DomainError } from '../bridge/errors.ts';
import type { ReleasePlan } from './plan.schema.ts';

/** One command a plan would execute, exactly as it would be executed (argv, never through a shell). */
export interface PlanCommand {
  /** Which part of the release runs it, e.g. `blue-green smoke check` or `migration expand Job`. */
  where: string;
  phase: 'smoke' | 'expand' | 'contract';
  /** The words passed to the program, the program first; no shell ever sees them. */
  argv: string[];
  /** `laptop`: a child process of Switchyard on this computer; `cluster`: a Kubernetes Job. */
  runsOn: 'laptop' | 'cluster';
  /** The container image of a Job; absent for laptop commands. */
  image?: string;
  /** The namespace a Job is created in; absent for laptop commands. */
  namespace?: string;
}

/** The commands of a plan and the digest a confirmation must name. */
export interface PlanCommands {
  commands: PlanCommand[];
  /** `sha256:<hex>` of the commands' canonical JSON; empty string when the plan runs no command. */
  digest: string;
}

/**
 * Every command `plan` would execute, in the order the release reaches them: the migration expand Job,
 * the blue-green smoke command, the migration contract Job. Manual gates and HTTP smoke checks are not
 * commands. Pure; never throws.
 */
export function listPlanCommands(plan: ReleasePlan): PlanCommand[] {
  const out: PlanCommand[] = [];
  const job = (phase: 'expand' | 'contract') => {
    const action = plan.migration?.[phase]?.action;
    if (action?.kind !== 'job') return;
    out.push({
      where: `migration ${phase} Job`,
      phase,
      argv: [...action.command],
      runsOn: 'cluster',
      image: action.image ?? plan.target.image,
      namespace: plan.target.namespace,
    });
  };
  job('expand');
  if (plan.strategy.kind === 'blue-green' && plan.strategy.smoke.command)
    out.push({
      where: 'blue-green smoke check',
      phase: 'smoke',
      argv: [...plan.strategy.smoke.command],
      runsOn: 'laptop',
    });
  job('contract');
  return out;
}

/** The commands of `plan` with their digest; a changed word, image, namespace or order changes the digest. */
export function planCommands(plan: ReleasePlan): PlanCommands {
  const commands = listPlanCommands(plan);
  return { commands, digest: commandsDigest(commands) };
}

/** `sha256:<hex>` of the canonical JSON of `commands` (fixed key order); empty string for no commands. */
function commandsDigest(commands: readonly PlanCommand[]): string {
  if (commands.length === 0) return '';
  const canonical = JSON.stringify(
    commands.map((c) => [c.where, c.phase, c.runsOn, c.image ?? null, c.namespace ?? null, c.argv]),
  );
  return `sha256:${sha256Hex(canonical)}`;
}

/** One line per command, as the confirmations show it: where it runs, then the argv as a JSON array. */
export function describePlanCommand(c: PlanCommand): string {
  const place =
    c.runsOn === 'laptop'
      ? 'on this computer'
      : `in the cluster (Job, image ${c.image}, namespace ${c.namespace})`;
  return `${c.where}, ${place}: ${JSON.stringify(c.argv)}`;
}

/**
 * Refuses to start `plan` when it runs commands and `confirmed` is not its current digest. Throws
 * DomainError `conflict` naming every command, so the caller can show them and ask.
 */
export function assertCommandsConfirmed(plan: ReleasePlan, confirmed: string | undefined): void {
  const { commands, digest } = planCommands(plan);
  if (commands.length === 0 || confirmed === digest) return;
  const n = commands.length === 1 ? 'one command' : `${commands.length} commands`;
  const changed = confirmed ? ' The commands changed since they were confirmed.' : '';
  throw new DomainError(
    'conflict',
    `This plan runs ${n}; confirm ${commands.length === 1 ? 'it' : 'them'} before starting.${changed}`,
    commands.map(describePlanCommand),
  );
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

function utf8(text: string): number[] {
  const bytes: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return bytes;
}

/** SHA-256 (FIPS 180-4) of the UTF-8 bytes of `text`, as lowercase hex; pure so src-shared can use it. */
export function sha256Hex(text: string): string {
  const bytes = utf8(text);
  const bitLength = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  const high = Math.floor(bitLength / 0x100000000);
  for (const word of [high, bitLength >>> 0])
    bytes.push((word >>> 24) & 255, (word >>> 16) & 255, (word >>> 8) & 255, word & 255);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < bytes.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = ((bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!) >>> 0;
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + hh;
  }
  return [...h].map((x) => x.toString(16).padStart(8, '0')).join('');
}
