/**
 * `npm run eval` — replays every detection scenario (test/e2e/scenarios) and prints, per rule,
 * true/false positives and negatives and the detection latency:
 * - data: straight into a fresh detector per scenario (the rule logic alone); latency = block time
 *   from the scenario's first event to the alerting event ("how far into the scheme");
 * - pipeline (default on; `--data-only` skips it): the embedded pipeline — anvil + ingest for the
 *   scenarios made of logs, the bus for the rest — with sink and detect on chDB; latency = wall
 *   clock from emitting/publishing the triggering event to the alert on mixwatch.alerts.v1
 *   (includes the 2 confirmations and the 100 ms poll of the test config).
 * Counting: each expectation of a positive scenario is a TP when met, else an FN; each alert of a
 * rule a near-miss scenario forbids is an FP; a near-miss expectation met is a TN.
 * Exit code 1 when any FN or FP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Alert, RULES, type RuleName } from '@mixwatch/core';
import { checkScenario, replayScenario } from '../test/e2e/scenarios/evaluate.ts';
import { allScenarios, type Scenario } from '../test/e2e/scenarios/index.ts';
import { chainReplayable, runScenariosInPipeline } from '../test/e2e/scenarios/pipeline.ts';

interface Row {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  intoScheme: number[];
  wallMs: number[];
}

const dataOnly = process.argv.includes('--data-only');
const scenarios = allScenarios();

function score(results: Array<{ s: Scenario; alerts: Alert[]; latency?: Map<string, number> }>): Map<RuleName, Row> {
  const rows = new Map<RuleName, Row>(RULES.map((r) => [r, { tp: 0, fn: 0, fp: 0, tn: 0, intoScheme: [], wallMs: [] }]));
  for (const { s, alerts, latency } of results) {
    for (const e of checkScenario(s, alerts)) {
      const row = rows.get(e.expectation.rule)!;
      if (e.expectation.max !== undefined) {
        if (e.ok) row.tn++;
        else row.fp += e.matched.length - e.expectation.max;
        continue;
      }
      if (!e.ok) {
        row.fn++;
        continue;
      }
      row.tp++;
      const first = e.matched.reduce((a, b) => (b.block_time < a.block_time ? b : a));
      row.intoScheme.push(first.block_time - (s.steps[0] ? s.start + s.steps[0].at : s.start));
      for (const a of e.matched) {
        const w = latency?.get(a.alert_id);
        if (w !== undefined) row.wallMs.push(w);
      }
    }
  }
  return rows;
}

const fmtS = (xs: number[]) => {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  const f = (v: number) => (v >= 3600 ? `${(v / 3600).toFixed(1)}h` : v >= 60 ? `${Math.round(v / 60)}m` : `${v}s`);
  return `${f(med)} / ${f(s.at(-1)!)}`;
};
const fmtMs = (xs: number[]) => {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.floor(s.length / 2)]} / ${s.at(-1)}`;
};

function table(title: string, rows: Map<RuleName, Row>, wall: boolean): boolean {
  const head = ['rule', 'TP', 'FN', 'FP', 'TN', 'recall', 'precision', wall ? 'latency ms (med/max)' : 'into scheme (med/max)'];
  const body = [...rows].map(([rule, r]) => [
    rule,
    String(r.tp),
    String(r.fn),
    String(r.fp),
    String(r.tn),
    r.tp + r.fn ? (r.tp / (r.tp + r.fn)).toFixed(2) : '-',
    r.tp + r.fp ? (r.tp / (r.tp + r.fp)).toFixed(2) : '-',
    wall ? fmtMs(r.wallMs) : fmtS(r.intoScheme),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  return [...rows.values()].every((r) => r.fn === 0 && r.fp === 0);
}

const positives = scenarios.filter((s) => s.kind === 'positive').length;
console.log(
  `${scenarios.length} scenarios (${positives} positive, ${scenarios.length - positives} near misses); ${scenarios.filter(chainReplayable).length} replayable on anvil`,
);
const data = score(scenarios.map((s) => ({ s, alerts: replayScenario(s) })));
let ok = table('data replay (rule logic, fresh detector per scenario)', data, false);

if (!dataOnly) {
  const dir = mkdtempSync(join(tmpdir(), 'mixwatch-eval-'));
  try {
    const started = Date.now();
    const results = await runScenariosInPipeline({ dataDir: dir, scenarios });
    const pipe = score(results.map((r) => ({ s: r.scenario, alerts: r.alerts, latency: r.latencyMs })));
    ok =
      table(
        `embedded pipeline (anvil + ingest for ${results.filter((r) => r.mode === 'chain').length} scenarios, bus for ${results.filter((r) => r.mode === 'bus').length}; ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        pipe,
        true,
      ) && ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (!dataOnly)
  console.log(
    'latency: wall clock from the triggering tx (anvil) or message (bus) to the alert; pipeline_health silence includes its 3 s bound',
  );
console.log(ok ? '\nall expectations met' : '\nSOME EXPECTATIONS FAILED (see FN/FP)');
process.exit(ok ? 0 : 1);
