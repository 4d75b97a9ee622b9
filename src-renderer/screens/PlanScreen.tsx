import { ExportPanel } from '../components/plan/ExportPanel.tsx';
import { FlagPicker } from '../components/plan/FlagPicker.tsx';
import { FlagPrerequisites } from '../components/plan/FlagPrerequisites.tsx';
import { FlagRampSection } from '../components/plan/FlagRampSection.tsx';
import { FlagSchedule } from '../components/plan/FlagSchedule.tsx';
import { FlagSegments } from '../components/plan/FlagSegments.tsx';
import { FlagSteps } from '../components/plan/FlagSteps.tsx';
import { GuidancePanel } from '../components/plan/GuidancePanel.tsx';
import { PlanFiles } from '../components/plan/PlanFiles.tsx';
import { PlanForm } from '../components/plan/PlanForm.tsx';
import { PreflightPanel } from '../components/plan/PreflightPanel.tsx';
import { StrategyTable } from '../components/plan/StrategyTable.tsx';
import { YamlEditor } from '../components/plan/YamlEditor.tsx';

/** Guidance first, then the plan editor (form and YAML side by side), preflight, export and files. */
export function PlanScreen() {
  return (
    <div className="screen">
      <GuidancePanel />
      <StrategyTable />
      <div className="columns">
        <div className="stack narrow">
          <PlanForm />
          <FlagPicker />
          <FlagSteps />
          <FlagSegments />
          <FlagPrerequisites />
          <FlagSchedule />
          <FlagRampSection />
          <PlanFiles />
        </div>
        <YamlEditor />
      </div>
      <div className="columns">
        <PreflightPanel />
        <ExportPanel />
      </div>
    </div>
  );
}
