import { isDeepStrictEqual } from 'node:util';
import { detectConfigSchema } from '@mixwatch/config';
import type { Alert, RuleName } from '@mixwatch/core';
import { createDetector, type Detector } from '@mixwatch/detect';
import { builtinLabels, type Label } from '@mixwatch/labels';
import type { Expectation, Scenario } from './lib.ts';

/** Result of one expectation against the alerts of a scenario. */
export interface ExpectationResult {
  expectation: Expectation;
  ok: boolean;
  /** Alerts of the rule that matched (positive) or that should not exist (negative). */
  matched: Alert[];
  why: string;
}

let labels: Label[] | undefined;

/** A detector as the daemon builds it, with the shipped labels and the scenario's config. */
export function scenarioDetector(s: Scenario, now?: () => number): Detector {
  labels ??= builtinLabels();
  const chains = [...new Set(s.steps.map((x) => x.chain))];
  return createDetector({
    config: detectConfigSchema.parse(s.config ?? {}),
    labels,
    watchedChains: s.watchedChains ?? chains,
    ...(now ? { now } : {}),
  });
}

/** Replays a scenario's messages straight into a detector (data mode) and returns its alerts. */
export function replayScenario(s: Scenario, detector = scenarioDetector(s)): Alert[] {
  const alerts: Alert[] = [];
  for (const step of s.steps) alerts.push(...detector.process(step.message).alerts);
  if (s.tickAfter !== undefined) {
    const last = s.steps.at(-1);
    alerts.push(...detector.tick(((last ? s.start + last.at : s.start) + s.tickAfter) * 1000));
  }
  return alerts;
}

function subsetMatches(details: Record<string, unknown>, evidence: Record<string, unknown>): boolean {
  return Object.entries(evidence).every(([k, v]) => isDeepStrictEqual(details[k], v));
}

/** Checks every expectation of a scenario against alerts (deduplicated by alert_id first). */
export function checkScenario(s: Scenario, alerts: Alert[]): ExpectationResult[] {
  const unique = [...new Map(alerts.map((a) => [a.alert_id, a])).values()];
  return s.expect.map((e) => {
    const ofRule = unique.filter((a) => a.rule === e.rule);
    if (e.max !== undefined) {
      const ok = ofRule.length <= e.max;
      return {
        expectation: e,
        ok,
        matched: ofRule,
        why: ok ? '' : `${ofRule.length} ${e.rule} alert(s), at most ${e.max} expected: ${ofRule.map((a) => a.title).join(' | ')}`,
      };
    }
    const matched = ofRule.filter(
      (a) => (!e.addresses || e.addresses.includes(a.address)) && (!e.evidence || subsetMatches(a.details, e.evidence)),
    );
    const min = e.min ?? 1;
    const ok = matched.length >= min;
    return {
      expectation: e,
      ok,
      matched,
      why: ok
        ? ''
        : `expected ≥ ${min} ${e.rule} alert(s)${e.addresses ? ` on ${e.addresses.join(',')}` : ''}${e.evidence ? ` with ${JSON.stringify(e.evidence)}` : ''}; got ${ofRule.length}: ${ofRule.map((a) => `${a.address} ${JSON.stringify(Object.fromEntries(Object.keys(e.evidence ?? {}).map((k) => [k, a.details[k]])))}`).join(' | ')}`,
    };
  });
}

/** Per-rule confusion counts over scenario results. */
export interface RuleScore {
  rule: RuleName;
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}
