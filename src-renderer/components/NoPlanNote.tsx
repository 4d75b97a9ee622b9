import { useUi } from '../store/ui.store.ts';

/** Said where a release would start while no plan is written yet, with the way to the Plan screen. */
export function NoPlanNote() {
  const go = useUi((s) => s.go);
  return (
    <p className="muted">
      No plan yet.{' '}
      <button type="button" className="link" onClick={() => go('Plan')}>
        Write or pick one on the Plan screen
      </button>
      .
    </p>
  );
}
