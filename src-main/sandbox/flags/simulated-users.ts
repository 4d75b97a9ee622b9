import type { EvaluationContext } from '@openfeature/core';

/** How many simulated users the sandbox's requests come from (each evaluated once per flag version). */
export const SIMULATED_USERS = 2000;

/** Attribute values of the simulated users, with their shares (a fixed distribution, the same every run). */
export const USER_ATTRIBUTES = {
  tier: [
    ['free', 0.6],
    ['pro', 0.3],
    ['enterprise', 0.1],
  ],
  region: [
    ['eu-west', 0.4],
    ['us-east', 0.4],
    ['ap-south', 0.2],
  ],
  /** Email domain: 5 % of users are staff (`switchyard.dev`) and 5 % beta testers (`beta.example.com`). */
  emailDomain: [
    ['example.com', 0.9],
    ['switchyard.dev', 0.05],
    ['beta.example.com', 0.05],
  ],
} as const satisfies Record<string, readonly (readonly [string, number])[]>;

/** Organisations `org-01` … `org-20`, equally many users each. */
export const ORGANISATIONS = 20;

function pick(table: readonly (readonly [string, number])[], u: number): string {
  let acc = 0;
  for (const [value, share] of table) {
    acc += share;
    if (u < acc) return value;
  }
  return table[table.length - 1]![0];
}

/** A deterministic number in [0, 1) from `i` and a salt (a small integer hash, no state). */
function unit(i: number, salt: number): number {
  let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/**
 * The evaluation context of simulated user `i`: a stable `targetingKey` (`user-0007`), an `email`, and the
 * attributes `tier`, `region` and `orgId` drawn from `USER_ATTRIBUTES`, so user-targeting rules (beta testers,
 * a tier, a region, an organisation list) match some users and fractional splits hash the same users
 * into the same bucket every time.
 */
export function simulatedUser(i: number): EvaluationContext {
  const id = `user-${String(i).padStart(4, '0')}`;
  return {
    targetingKey: id,
    email: `${id}@${pick(USER_ATTRIBUTES.emailDomain, unit(i, 1))}`,
    tier: pick(USER_ATTRIBUTES.tier, unit(i, 2)),
    region: pick(USER_ATTRIBUTES.region, unit(i, 3)),
    orgId: `org-${String((i % ORGANISATIONS) + 1).padStart(2, '0')}`,
  };
}

let population: EvaluationContext[] | undefined;

/** Every simulated user's evaluation context (built once). */
export function simulatedUsers(): readonly EvaluationContext[] {
  population ??= Array.from({ length: SIMULATED_USERS }, (_, i) => simulatedUser(i));
  return population;
}
