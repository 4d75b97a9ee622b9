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

/**
 * The runbook's A/B test of workflow-engine as plan YAML (free|basic split 50/50, premium pinned to treatment,
 * sticky on x-user-id), shortened to 2 minutes: `router` is the plan's router in YAML flow style.
 */
export const runbookAbTestYaml = (name: string, router: string, tag: string) => `
name: ${name}
target: { namespace: platform-production, name: workflow-engine, image: registry.platform.com/workflow-engine:${tag} }
router: ${router}
strategy:
  kind: ab-test
  variants: [{ name: control, version: stable, weight: 50 }, { name: treatment, version: ${tag}, weight: 50 }]
  cohort: { header: x-user-segment, regex: 'free|basic' }
  pins: [{ match: { header: x-user-segment, exact: premium }, variant: treatment }]
  defaultVariant: control
  stickyHeader: x-user-id
  primaryMetrics: [{ name: conversion_rate, goal: maximize, minEffect: 0.05 }]
  guardrails: [{ metric: error-rate, op: '>', threshold: 0.02, severity: fail }]
  duration: 2m
`;
