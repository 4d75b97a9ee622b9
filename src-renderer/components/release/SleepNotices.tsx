import { formatClock } from '../../lib/format.ts';
import { useRelease, type Mode } from '../../store/release.store.ts';

/** What main reported about the current release after the computer slept, newest first; nothing when it never slept. */
export function SleepNotices({ mode }: { mode: Mode }) {
  const id = useRelease((s) => s.current[mode]);
  const notices = useRelease((s) => (id ? s.notices[id] : undefined));
  const slept = (notices ?? []).filter((n) => n.kind === 'slept');
  if (slept.length === 0) return null;
  return (
    <section className="panel" aria-labelledby={`sleep-heading-${mode}`}>
      <h2 id={`sleep-heading-${mode}`}>While the computer slept</h2>
      <ol className="decisions" aria-label="Sleep notices">
        {[...slept].reverse().map((n) => (
          <li key={n.receivedAtMs} className="decision decision-pause">
            <div>
              <strong>{n.title}</strong> <span className="muted small">{formatClock(n.receivedAtMs)}</span>
            </div>
            <p style={{ whiteSpace: 'pre-wrap' }}>{n.body}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
