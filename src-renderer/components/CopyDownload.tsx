import { useState } from 'react';
import { download } from '../lib/download.ts';

/** Copy and Download buttons for an export's text, with a line saying what happened. */
export function CopyDownload({ text, filename, type }: { text: string; filename: string; type: string }) {
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid({ ok: true, text: 'Copied to the clipboard.' });
    } catch (e) {
      setSaid({
        ok: false,
        text: `Could not copy (${e instanceof Error ? e.message : String(e)}); use Download instead.`,
      });
    }
  };
  return (
    <div className="row">
      <button type="button" onClick={() => void copy()}>
        Copy
      </button>
      <button
        type="button"
        onClick={() => {
          download(filename, text, type);
          setSaid({ ok: true, text: `Downloaded ${filename}.` });
        }}
      >
        Download
      </button>
      {said && (
        <span className={said.ok ? 'ok-text' : 'error-text'} role="status">
          {said.text}
        </span>
      )}
    </div>
  );
}
