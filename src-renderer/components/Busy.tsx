/** A visible, announced progress line for work that takes a while. */
export function Busy({ label }: { label: string }) {
  return (
    <p className="busy" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
