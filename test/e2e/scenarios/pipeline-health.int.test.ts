import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { TOPICS } from '@mixwatch/bus';
import type { Alert } from '@mixwatch/core';
import { headNumber, mine, startAnvil, startInProcess, tempDir, waitFor } from '@mixwatch/test/helpers';

// pipeline_health with real parts: the ingest follows anvil and sends heartbeats; while the node
// is healthy nothing fires (near miss: polling with confirmations, no failures); when the node
// goes away the heartbeats report RPC failures and detect raises one alert for the outage.
const tmp = tempDir('mixwatch-health-');
after(() => tmp.remove());

it('a healthy chain raises nothing; a dead RPC raises one pipeline_health alert naming the error', async () => {
  const anvil = await startAnvil({ chainId: 1 });
  let stopped = false;
  const { daemon } = await startInProcess(
    {
      dataDir: tmp.dir,
      http: { port: 0 },
      chains: { ethereum: { rpc: [anvil.url], pollIntervalMs: 100, confirmations: 2, startBlock: 1 } },
      detect: { rules: { pipelineHealth: { maxRpcFailures: 3, silenceSec: 120, checkIntervalMs: 200 } } },
    },
    ['ingest', 'sink', 'detect'],
  );
  const alerts: Alert[] = [];
  await daemon.ctx.bus.subscribe(TOPICS.alerts, 'test', async (records) => {
    for (const r of records) alerts.push(r.value);
  });
  try {
    await mine(anvil, 5);
    const head = await headNumber(anvil);
    await waitFor('detect to follow the healthy chain', async () => {
      const rows = await daemon.ctx.store.query<{ block: string }>(
        "SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'detect:1'",
      );
      return Number(rows[0]?.block ?? 0) >= head - 2;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(
      alerts.filter((a) => a.rule === 'pipeline_health').map((a) => a.title),
      [],
    );
    await anvil.stop();
    stopped = true;
    const alert = await waitFor('a pipeline_health alert', async () => alerts.find((a) => a.rule === 'pipeline_health'), 30_000);
    assert.equal(alert.chain, 'ethereum');
    assert.equal(alert.details.condition, 'rpc_failures');
    assert.ok(String(alert.details.last_error).length > 0);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(new Set(alerts.filter((a) => a.rule === 'pipeline_health').map((a) => a.alert_id)).size, 1, 'one alert per outage');
  } finally {
    await daemon.stop();
    if (!stopped) await anvil.stop();
  }
});
