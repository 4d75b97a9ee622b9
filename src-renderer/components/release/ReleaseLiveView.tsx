import { useMemo } from 'react';
import type { ContextSummary } from '../../../src-shared/bridge/contract.ts';
import type { ReleaseSnapshot } from '../../../src-shared/release/release.schema.ts';
import { rampsFlagNow, strategyWords } from '../../../src-shared/plan/flag-with-deploy.ts';
import { planThresholds } from '../../lib/plan-thresholds.ts';
import { NO_HEALTH, type HealthHistory } from '../../lib/timeline-series.ts';
import { analysisRows, lastDecision } from '../../lib/release-view.ts';
import { useThrottled } from '../use-throttled.ts';
import { AnalysisTable } from './AnalysisTable.tsx';
import { ControlBar } from './ControlBar.tsx';
import { DecisionList } from './DecisionList.tsx';
import { HealthTimeline } from './HealthTimeline.tsx';
import { StepList } from './StepList.tsx';
import { TrafficSplit } from './TrafficSplit.tsx';

export interface ReleaseLiveViewProps {
  snapshot: ReleaseSnapshot;
  health: HealthHistory | undefined;
  planText: string | null;
  context: Pick<ContextSummary, 'name' | 'isProduction'> | null;
  /** Hide the controls (History shows finished releases read-only). */
  readOnly?: boolean;
  /** A rehearsal: its times are on the sandbox's compressed clock, labelled `sim`. */
  simulated?: boolean;
}

/** A release as Rehearse, Run and History show it: controls, split, steps, timeline, decisions, samples. */
export function ReleaseLiveView({
  snapshot,
  health,
  planText,
  context,
  readOnly,
  simulated,
}: ReleaseLiveViewProps) {
  const thresholds = useMemo(() => planThresholds(planText), [planText]);
  // The panels below the controls redraw at most once a second; the status and the controls stay live.
  const deferredHealth = useThrottled(health ?? NO_HEALTH, 1000);
  const deferred = useThrottled(snapshot, 1000);
  const rows = useMemo(
    () => analysisRows(deferred.samples, deferred.decisions, thresholds.conditions),
    [deferred.samples, deferred.decisions, thresholds.conditions],
  );
  const last = lastDecision(snapshot.decisions);
  const ended =
    snapshot.status === 'aborted' || snapshot.status === 'rolledBack' || snapshot.status === 'failed';
  return (
    <div className="release-view">
      <div className="release-head">
        <h2>
          {snapshot.planName} <span className="muted">· {strategyWords(snapshot.strategy)}</span>{' '}
          {context?.isProduction && <span className="badge badge-prod">production</span>}
        </h2>
        <span
          className={`status status-${snapshot.status}`}
          role="status"
          aria-label={`Release status ${snapshot.status}`}
        >
          {snapshot.status}
        </span>
      </div>
      {ended && last && (
        <div className="note note-error" role="alert">
          {last.summary}
        </div>
      )}
      {!readOnly && (
        <ControlBar
          id={snapshot.id}
          status={snapshot.status}
          context={context}
          controls={snapshot.controls}
          pause={snapshot.pause}
          strategy={rampsFlagNow(snapshot) ? 'flag-rollout' : snapshot.strategy}
        />
      )}
      <div className="columns">
        <TrafficSplit
          traffic={deferred.traffic}
          flag={rampsFlagNow(deferred)}
          rollout={deferred.rollout}
          cohorts={deferred.cohorts}
          ended={deferred.status !== 'running' && deferred.status !== 'paused'}
          simulated={simulated ?? false}
        />
        <StepList snapshot={deferred} />
      </div>
      <HealthTimeline
        health={deferredHealth}
        decisions={deferred.decisions}
        samples={deferred.samples}
        steps={deferred.steps}
        thresholds={thresholds.lines}
        nowMs={deferred.updatedAtMs ?? deferred.startedAtMs ?? 0}
        simulated={simulated ?? false}
      />
      <DecisionList decisions={deferred.decisions} simulated={simulated ?? false} />
      <AnalysisTable rows={rows} simulated={simulated ?? false} />
    </div>
  );
}
