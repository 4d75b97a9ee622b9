import { useMemo, useState } from 'react';
import { readPlanFields } from '../../lib/plan-fields.ts';
import { useRelease } from '../../store/release.store.ts';
import { Busy } from '../Busy.tsx';
import { ErrorNote } from '../ErrorNote.tsx';

/** The image tag of an image reference (`registry/app:v1.25.0` → `v1.25.0`), or null. */
function tagOf(image: string | null): string | null {
  const m = image ? /:([^:/@]+)$/.exec(image) : null;
  return m ? m[1]! : null;
}

/** A labelled number input of the fault form; empty means "unchanged" unless a default is given. */
function NumberField({
  label,
  value,
  onChange,
  step,
  max,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  step: string;
  max?: number;
}) {
  return (
    <label className="field">
      {label}
      <input
        type="number"
        min={0}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="unchanged"
      />
    </label>
  );
}

/** Injects behaviour faults into the sandbox's new version at any moment of a rehearsal. */
export function FaultPanel({ planText }: { planText: string }) {
  const fields = useMemo(() => readPlanFields(planText), [planText]);
  const { fault, injectFault } = useRelease();
  const [errorPct, setErrorPct] = useState('10');
  const [p95, setP95] = useState('');
  const [crash, setCrash] = useState(false);
  const [pullFails, setPullFails] = useState(false);
  const [oom, setOom] = useState(false);
  const [slowStart, setSlowStart] = useState('');
  const service = fields?.targetName ?? '';
  const version = tagOf(fields?.targetImage ?? null) ?? '';
  // A flag ramp's new code is served by the new variant, not by a version: its faults hit that variant.
  const variant = fields?.newVariant ?? null;
  const ready = service !== '' && (version !== '' || variant !== null);
  return (
    <section className="panel" aria-labelledby="fault-heading">
      <h2 id="fault-heading">Fault injection</h2>
      <p className="muted small">
        New version:{' '}
        <code>
          {!ready
            ? 'needs a plan with a target and an image tag'
            : variant !== null
              ? `${service}, requests served variant ${variant}`
              : `${service} ${version}`}
        </code>
      </p>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          const rate = Number(errorPct);
          const ms = Number(p95);
          void injectFault({
            ...(fields?.targetNamespace ? { namespace: fields.targetNamespace } : {}),
            service,
            ...(variant !== null ? { variant } : { version }),
            ...(errorPct !== '' && rate >= 0 && rate <= 100 ? { errorRate: rate / 100 } : {}),
            ...(p95 !== '' && ms >= 0 ? { p95Ms: ms } : {}),
            // Pods serve every variant: pod faults apply to a version only.
            ...(variant !== null
              ? {}
              : {
                  crashLoop: crash,
                  imagePullFails: pullFails,
                  oomKill: oom,
                  ...(slowStart !== '' && Number(slowStart) >= 0
                    ? { startupSeconds: Number(slowStart) }
                    : {}),
                }),
          });
        }}
      >
        <NumberField label="Error rate (%)" value={errorPct} onChange={setErrorPct} step="0.1" max={100} />
        <NumberField label="p95 latency (ms)" value={p95} onChange={setP95} step="10" />
        <label className="check">
          <input type="checkbox" checked={crash} onChange={(e) => setCrash(e.target.checked)} /> Crash loop
        </label>
        <label className="check">
          <input type="checkbox" checked={pullFails} onChange={(e) => setPullFails(e.target.checked)} /> Image
          pull fails
        </label>
        <label className="check">
          <input type="checkbox" checked={oom} onChange={(e) => setOom(e.target.checked)} /> OOM kills
        </label>
        <NumberField label="Slow start (s)" value={slowStart} onChange={setSlowStart} step="10" />
        <button type="submit" disabled={!ready || fault.busy}>
          Inject fault
        </button>
      </form>
      {fault.busy && <Busy label="Applying the fault…" />}
      {fault.message && (
        <p className="ok-text" role="status">
          {fault.message}
        </p>
      )}
      {fault.error && <ErrorNote error={fault.error} />}
    </section>
  );
}
