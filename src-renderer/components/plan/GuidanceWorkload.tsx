import { withoutSource } from '../../store/plan-prefill.ts';
import { usePlan, type GuidanceTarget } from '../../store/plan.store.ts';

type TextKey = Exclude<keyof GuidanceTarget, 'kind'>;

/** The target fields: label, example and whether the field takes the row's remaining width. */
const TARGET_FIELDS: [TextKey, string, string][] = [
  ['namespace', 'Namespace', 'e.g. platform-production'],
  ['name', 'Workload name', 'e.g. workflow-engine'],
];
const EXTRA_FIELDS: [TextKey, string, string][] = [
  ['context', 'Context', 'the current context'],
  ['container', 'Container', 'the first container'],
  ['job', 'Prometheus job', 'the workload name'],
];
const ROUTER_FIELDS = [
  ['virtualService', 'VirtualService'],
  ['route', 'VirtualService route'],
  ['destinationRule', 'DestinationRule'],
  ['httpRoute', 'HTTPRoute'],
  ['service', 'Service'],
] as const;

/**
 * The workload the pre-filled plans name. Filled by hand, or from a workload picked in Connections ("Plan a release
 * of this"): then each field says where it was read, and every one stays editable.
 */
export function GuidanceWorkload() {
  const { target, routerObjects, prefill, set } = usePlan();
  const source = (key: string) => {
    const from = prefill?.sources[key];
    return from ? (
      <span
        className="field-source muted"
        id={`source-${key.replace('.', '-')}`}
        data-testid={`source-${key}`}
      >
        from {from}
      </span>
    ) : null;
  };
  const describedBy = (key: string) =>
    prefill?.sources[key] ? { 'aria-describedby': `source-${key.replace('.', '-')}` } : {};
  const text = (key: TextKey, label: string, example: string) => (
    <label className="field" key={key}>
      {label}
      <input
        aria-label={label}
        {...describedBy(key)}
        value={target[key] ?? ''}
        onChange={(e) =>
          set({ target: { ...target, [key]: e.target.value }, ...withoutSource(prefill, key) })
        }
        placeholder={example}
      />
      {source(key)}
    </label>
  );
  return (
    <fieldset className="row wrap guidance-workload">
      <legend>Workload (optional: names it in the pre-filled plans)</legend>
      {prefill ? (
        <p className="field-hint" id="guidance-target-hint" role="status">
          Prefilled from <strong>{prefill.from}</strong>. Give the new image; change anything that is wrong.{' '}
          <button type="button" className="link" onClick={() => set({ prefill: null })}>
            Hide where each field came from
          </button>
        </p>
      ) : (
        <p className="field-hint muted" id="guidance-target-hint">
          Empty fields are empty: the grey text is an example. Fill in namespace, name and new image to name
          your workload (or use “Plan a release of this” on a workload in Connections); left empty, the
          pre-filled plans name default/my-service.
        </p>
      )}
      {TARGET_FIELDS.map(([key, label, example]) => text(key, label, example))}
      <label className="field">
        Kind
        <select
          aria-label="Kind"
          {...describedBy('kind')}
          value={target.kind ?? 'Deployment'}
          onChange={(e) =>
            set({
              target: { ...target, kind: e.target.value as GuidanceTarget['kind'] },
              ...withoutSource(prefill, 'kind'),
            })
          }
        >
          <option value="Deployment">Deployment</option>
          <option value="Rollout">Argo Rollout</option>
        </select>
        {source('kind')}
      </label>
      <label className="field grow">
        New image
        <input
          aria-label="New image"
          value={target.image}
          onChange={(e) => set({ target: { ...target, image: e.target.value } })}
          placeholder={
            prefill?.currentImage
              ? `e.g. ${prefill.currentImage}`
              : 'e.g. registry.platform.com/workflow-engine:v1.25.0'
          }
          aria-describedby={prefill?.currentImage ? 'guidance-current-image' : undefined}
        />
        {prefill?.currentImage && (
          <span className="field-source muted" id="guidance-current-image">
            running now: <code>{prefill.currentImage}</code> ({prefill.sources.image})
          </span>
        )}
      </label>
      {EXTRA_FIELDS.map(([key, label, example]) => text(key, label, example))}
      {ROUTER_FIELDS.filter(([key]) => routerObjects[key] !== undefined).map(([key, label]) => (
        <label className="field" key={key}>
          {label}
          <input
            aria-label={label}
            {...describedBy(`router.${key}`)}
            value={routerObjects[key] ?? ''}
            onChange={(e) =>
              set({
                routerObjects: { ...routerObjects, [key]: e.target.value },
                ...withoutSource(prefill, `router.${key}`),
              })
            }
          />
          {source(`router.${key}`)}
        </label>
      ))}
    </fieldset>
  );
}
