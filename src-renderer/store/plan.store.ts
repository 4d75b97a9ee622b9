import { create } from 'zustand';
import type {
  PlanProblem,
  RecommendationView,
  RequestInput,
  RequestOutput,
} from '../../src-shared/bridge/contract.ts';
import type { BridgeError } from '../../src-shared/bridge/errors.ts';
import type { ChangeKind } from '../../src-shared/decision/decision.rules.ts';
import { api } from '../bridge/api.ts';

type Environment = RequestInput<'decision:recommend'>['environment'];
type Answers = NonNullable<RequestInput<'decision:recommend'>['answers']>;
type Summary = RequestOutput<'plan:validate'>['summary'];
/** The workload the pre-filled plans name; sent only when namespace, name and image are filled in. */
export interface GuidanceTarget {
  namespace: string;
  name: string;
  image: string;
  /** Read from a picked workload (Connections); empty = not said. */
  context?: string;
  kind?: 'Deployment' | 'Rollout';
  container?: string;
  job?: string;
}
type RouterObjects = NonNullable<RequestInput<'decision:recommend'>['routerObjects']>;
/** What the guidance was prefilled from: the workload, the image running now, and where each field was read. */
export interface GuidancePrefill {
  from: string;
  currentImage: string;
  sources: Record<string, string>;
}

/** A request's progress and its last failure, shown where the user acted. */
export interface Pending {
  busy: boolean;
  error: BridgeError | null;
}
const idle: Pending = { busy: false, error: null };

export interface PlanState {
  guidance: 'scenario' | 'questions';
  change: ChangeKind;
  answers: Answers;
  environment: Environment;
  target: GuidanceTarget;
  /** Existing router objects the plans name (found around a picked workload); editable. */
  routerObjects: RouterObjects;
  prefill: GuidancePrefill | null;
  recommendations: RecommendationView[];
  recommendStatus: Pending;
  /** How many recommendations main has answered; the results take focus when it grows. */
  recommended: number;
  chosen: string | null;

  text: string;
  problems: PlanProblem[];
  summary: Summary | null;
  validated: boolean;
  validateStatus: Pending;

  preflight: { report: unknown; context: string } | null;
  preflightStatus: Pending;
  exported: (RequestOutput<'plan:export'> & { to: 'argo' | 'flagger' }) | null;
  exportStatus: Pending;
  saved: RequestOutput<'plan:list'>['plans'];
  fileStatus: Pending & { message: string | null };

  set(
    patch: Partial<
      Pick<
        PlanState,
        'guidance' | 'change' | 'answers' | 'environment' | 'target' | 'routerObjects' | 'prefill'
      >
    >,
  ): void;
  recommend(): Promise<void>;
  choose(r: RecommendationView): void;
  setText(text: string): void;
  validate(): Promise<void>;
  runPreflight(context: string): Promise<void>;
  exportTo(to: 'argo' | 'flagger'): Promise<void>;
  listSaved(): Promise<void>;
  save(name: string): Promise<void>;
  open(name: string): Promise<void>;
}

let validateSeq = 0;

/** The fields trimmed, empty ones left out (an empty optional field is not said). */
function trimmed<T extends object>(fields: T): Partial<T> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields))
    if (typeof value === 'string' && value.trim() !== '') out[key] = value.trim();
  return out as Partial<T>;
}

/** The Plan screen's state: guidance inputs and results, the plan text and what main said about it. */
export const usePlan = create<PlanState>((set, get) => ({
  guidance: 'scenario',
  change: 'performance',
  answers: {
    critical: false,
    realUserValidation: true,
    testsUxOrAlgorithm: false,
    touchesSchema: false,
    breaksApi: false,
  },
  environment: { mesh: 'istio', argoRollouts: false, spareCapacity: true, rps: 200 },
  target: { namespace: '', name: '', image: '' },
  routerObjects: {},
  prefill: null,
  recommendations: [],
  recommendStatus: idle,
  recommended: 0,
  chosen: null,
  text: '',
  problems: [],
  summary: null,
  validated: false,
  validateStatus: idle,
  preflight: null,
  preflightStatus: idle,
  exported: null,
  exportStatus: idle,
  saved: [],
  fileStatus: { ...idle, message: null },

  set: (patch) => set(patch),

  async recommend() {
    const { guidance, change, answers, environment, target, routerObjects } = get();
    set({ recommendStatus: { busy: true, error: null } });
    const t = trimmed(target);
    const withTarget =
      t.namespace && t.name && t.image
        ? { target: { ...t, namespace: t.namespace, name: t.name, image: t.image } }
        : {};
    const objects = trimmed(routerObjects);
    const withObjects = Object.keys(objects).length > 0 ? { routerObjects: objects } : {};
    const r = await api.invoke(
      'decision:recommend',
      guidance === 'scenario'
        ? { change, environment, ...withTarget, ...withObjects }
        : { answers, environment, ...withTarget, ...withObjects },
    );
    if (!r.ok) return set({ recommendStatus: { busy: false, error: r.error }, recommendations: [] });
    set((s) => ({
      recommendStatus: idle,
      recommendations: r.value.recommendations,
      chosen: null,
      recommended: s.recommended + 1,
    }));
  },

  choose(r) {
    set({ chosen: r.strategy });
    get().setText(r.planText);
    void get().validate();
  },

  setText(text) {
    set({ text, validated: false, exported: null, preflight: null });
  },

  async validate() {
    const seq = ++validateSeq;
    const text = get().text;
    set({ validateStatus: { busy: true, error: null } });
    const r = await api.invoke('plan:validate', { text });
    if (seq !== validateSeq) return;
    if (!r.ok) return set({ validateStatus: { busy: false, error: r.error } });
    set({
      validateStatus: idle,
      validated: true,
      problems: r.value.problems,
      summary: r.value.summary ?? null,
    });
  },

  async runPreflight(context) {
    set({ preflightStatus: { busy: true, error: null }, preflight: null });
    const r = await api.invoke('preflight:run', { context, text: get().text });
    if (!r.ok) return set({ preflightStatus: { busy: false, error: r.error } });
    set({ preflightStatus: idle, preflight: { report: r.value.report, context } });
  },

  async exportTo(to) {
    set({ exportStatus: { busy: true, error: null }, exported: null });
    const r = await api.invoke('plan:export', { text: get().text, to });
    if (!r.ok) return set({ exportStatus: { busy: false, error: r.error } });
    set({ exportStatus: idle, exported: { ...r.value, to } });
  },

  async listSaved() {
    const r = await api.invoke('plan:list', {});
    if (!r.ok) return set({ fileStatus: { busy: false, error: r.error, message: null } });
    set({ saved: r.value.plans });
  },

  async save(name) {
    set({ fileStatus: { busy: true, error: null, message: null } });
    const r = await api.invoke('plan:save', { name, text: get().text });
    if (!r.ok) return set({ fileStatus: { busy: false, error: r.error, message: null } });
    set({ fileStatus: { busy: false, error: null, message: `Saved as ${r.value.name}.` } });
    await get().listSaved();
  },

  async open(name) {
    set({ fileStatus: { busy: true, error: null, message: null } });
    const r = await api.invoke('plan:open', { name });
    if (!r.ok) return set({ fileStatus: { busy: false, error: r.error, message: null } });
    set({ fileStatus: { busy: false, error: null, message: `Opened ${r.value.name}.` } });
    get().setText(r.value.text);
    await get().validate();
  },
}));
