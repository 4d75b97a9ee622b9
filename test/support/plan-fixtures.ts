import { readFileSync } from 'node:fs';

/** The text of a plan file in test/fixtures/plans/. */
export const planFixture = (name: string) =>
  readFileSync(new URL(`../fixtures/plans/${name}`, import.meta.url), 'utf8');

/** The workload most plans in the tests release: workflow-engine's v1.25.0 in platform-production. */
export const WORKFLOW_ENGINE = {
  namespace: 'platform-production',
  name: 'workflow-engine',
  image: 'registry.platform.com/workflow-engine:v1.25.0',
};
