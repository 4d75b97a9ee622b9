import { useConnections } from '../../store/connections.store.ts';
import { useRelease, type Mode } from '../../store/release.store.ts';
import { Busy } from '../Busy.tsx';
import { ReleaseLiveView } from './ReleaseLiveView.tsx';

/** The release a screen (Rehearse or Run) started, live; a placeholder before the first one. */
export function CurrentRelease({ mode }: { mode: Mode }) {
  const id = useRelease((s) => s.current[mode]);
  const snapshot = useRelease((s) => (id ? s.snapshots[id] : undefined));
  const health = useRelease((s) => (id ? s.health[id] : undefined));
  const meta = useRelease((s) => (id ? s.meta[id] : undefined));
  const context = useConnections((s) => s.contexts.find((c) => c.name === meta?.context) ?? null);
  if (!id) return null;
  if (!snapshot) return <Busy label="Waiting for the release's first update…" />;
  return (
    // Keyed by release: zoom, hover and throttled views never carry over from the previous release.
    <ReleaseLiveView
      key={id}
      snapshot={snapshot}
      health={health}
      planText={meta?.planText ?? null}
      context={mode === 'rehearse' ? null : context}
      simulated={mode === 'rehearse'}
    />
  );
}
