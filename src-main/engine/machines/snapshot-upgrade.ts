/** Strategies whose `live` state became a parallel state (`steps` + the rollback-trigger `guard` region). */
const REGIONED = new Set(['blue-green', 'rolling', 'ab-test']);

interface PersistedLike {
  value?: unknown;
  context?: { plan?: { strategy?: { kind?: string } }; [key: string]: unknown };
  children?: Record<string, { snapshot?: unknown; [key: string]: unknown } | undefined>;
  [key: string]: unknown;
}

/**
 * Reads a persisted XState snapshot of a blue-green, rolling or A/B release saved before those machines watched
 * rollback triggers (state `live.<stage>`) as the current machines expect it (`live.steps.<stage>` beside
 * `live.guard`): the stage is kept, the trigger watch starts afresh (`arming`, no watches yet), and invoked
 * children are renamed after their new state. Snapshots already in the current shape, of other strategies, or
 * nested in a migration wrapper's children are handled too; anything else is returned unchanged.
 * Returns a new object; the argument is not modified.
 */
export function upgradePersistedSnapshot<T>(persisted: T): T {
  if (!persisted || typeof persisted !== 'object') return persisted;
  const snap = structuredClone(persisted) as PersistedLike;
  upgradeInPlace(snap);
  return snap as T;
}

/**
 * A canary saved while setting a weight before weight steps waited for ready pods (`running.steps.weight`)
 * goes on setting that weight (`weight.setting`), its invoked operation renamed after the new state.
 */
function upgradeCanaryWeight(snap: PersistedLike): void {
  const running = (snap.value as { running?: { steps?: unknown } } | undefined)?.running;
  if (snap.context?.plan?.strategy?.kind !== 'canary' || running?.steps !== 'weight') return;
  running.steps = { weight: 'setting' };
  if (snap.children)
    snap.children = Object.fromEntries(
      Object.entries(snap.children).map(([id, child]) => [
        id.replace(/\.running\.steps\.weight$/, '.running.steps.weight.setting'),
        child,
      ]),
    );
}

function upgradeInPlace(snap: PersistedLike): void {
  for (const child of Object.values(snap.children ?? {}))
    if (child?.snapshot && typeof child.snapshot === 'object')
      upgradeInPlace(child.snapshot as PersistedLike);
  upgradeCanaryWeight(snap);
  const value = snap.value as { live?: unknown } | undefined;
  const kind = snap.context?.plan?.strategy?.kind;
  if (!value || typeof value !== 'object' || !('live' in value) || !REGIONED.has(kind ?? '')) return;
  const live = value.live;
  if (live && typeof live === 'object' && 'steps' in live) return;
  value.live = { steps: live, guard: 'arming' };
  if (snap.context) {
    snap.context.triggers ??= [];
    snap.context.firedTrigger ??= null;
  }
  if (snap.children)
    snap.children = Object.fromEntries(
      Object.entries(snap.children).map(([id, child]) => [
        id.replace(/^(\d+\.\w+)\.live\.(?!steps\.|guard\.)/, '$1.live.steps.'),
        child,
      ]),
    );
}
