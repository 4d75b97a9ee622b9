import type { InputHTMLAttributes } from 'react';

/**
 * One labelled text input of a form row (a segment's name, a step's percentage, a prerequisite's flag); other
 * input attributes (`aria-invalid`, `placeholder`, `inputMode`) pass through.
 */
export function TextField({
  id,
  label,
  value,
  onChange,
  ...input
}: { id: string; label: string; value: string; onChange: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange'
>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input {...input} id={id} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}
