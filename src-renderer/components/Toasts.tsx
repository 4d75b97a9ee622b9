import { useUi } from '../store/ui.store.ts';

/** In-app notices (release promoted, waiting, aborted…), newest last; each can be dismissed. */
export function Toasts() {
  const { toasts, dismiss } = useUi();
  return (
    <div className="toasts" role="log" aria-label="Notifications" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`}>
          <strong>{t.title}</strong>
          <span>{t.body}</span>
          <button
            type="button"
            className="link"
            onClick={() => dismiss(t.id)}
            aria-label={`Dismiss ${t.title}`}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
