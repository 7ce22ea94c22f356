import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@mixwatch/test/helpers';
import { checkScenario } from './evaluate.ts';
import { allScenarios } from './index.ts';
import { chainReplayable, type PipelineResult, runScenariosInPipeline } from './pipeline.ts';

// Every detection scenario through the real embedded pipeline: the ones made only of logs are
// replayed on anvil at the real contract addresses with the real senders (ingest → bus → sink +
// detect); the rest (bridge legs, native transfers, TRON, heartbeats) are published on the bus.
describe('detection scenarios through the pipeline (positive must alert with evidence, near misses must not)', () => {
  const tmp = tempDir('mixwatch-scenarios-');
  const scenarios = allScenarios();
  let results: PipelineResult[] = [];
  before(async () => {
    results = await runScenariosInPipeline({ dataDir: tmp.dir, scenarios });
  });
  after(() => tmp.remove());

  it('replays at least half of the scenarios on anvil', () => {
    assert.ok(scenarios.filter(chainReplayable).length * 2 >= scenarios.length);
    assert.equal(results.length, scenarios.length);
  });
  for (const s of scenarios) {
    it(`${s.kind} ${s.name} (${chainReplayable(s) ? 'anvil' : 'bus'}): ${s.summary}`, () => {
      const r = results.find((x) => x.scenario === s);
      assert.ok(r, 'scenario ran');
      for (const e of checkScenario(s, r.alerts)) assert.ok(e.ok, e.why);
    });
  }
});
