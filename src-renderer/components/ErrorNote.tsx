import type { BridgeError } from '../../src-shared/bridge/errors.ts';

/** An engine error shown where the user acted, with its details. */
export function ErrorNote({ error }: { error: BridgeError }) {
  return (
    <div className="note note-error" role="alert">
      <strong>{error.message}</strong>
      {error.details && error.details.length > 0 && (
        <ul>
          {error.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
