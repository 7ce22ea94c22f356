import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Anvil,
  emitLogs,
  headNumber,
  mine,
  startAnvil,
  startFlakyRpc,
  startInProcess,
  tempDir,
  testConfig,
  tornadoCases,
  waitFor,
} from '@mixwatch/test/helpers';

describe('a provider that refuses large ranges and rate-limits', () => {
  let anvil: Anvil;
  const tmp = tempDir();
  const cases = tornadoCases({ deposits: 60, withdrawals: 40 });
  let hashes: string[] = [];
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    // 5 logs per block over 20 blocks, so range splitting has something to split
    hashes = await emitLogs(
      anvil,
      cases.map((c) => c.log),
      { perBlock: 5 },
    );
    await mine(anvil, 30);
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  it('still yields every flow exactly once', async () => {
    const proxy = await startFlakyRpc({ target: anvil.url, maxRange: 4, rate429: 0.15, rate5xx: 0.05, rateGarbage: 0.03, seed: 7 });
    const head = await headNumber(anvil);
    const { daemon, query } = await startInProcess(
      testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: proxy.url, maxLogRange: 64, pollIntervalMs: 50 } } }),
      ['ingest', 'sink'],
    );
    try {
      await waitFor(
        'cursor at the confirmed head',
        async () => {
          const r = await query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'");
          return r[0] && Number(r[0].block) >= head - 2;
        },
        90_000,
      );
      const rows = await query<{ tx_hash: string; n: string }>('SELECT tx_hash, count() AS n FROM mixwatch.flows FINAL GROUP BY tx_hash');
      assert.equal(rows.length, cases.length);
      assert.deepEqual(new Set(rows.map((r) => r.tx_hash)), new Set(hashes));
      assert.ok(rows.every((r) => Number(r.n) === 1));
      assert.ok(proxy.counts.refusedRange > 0, 'the proxy refused some ranges');
      assert.ok(proxy.counts.tooMany > 0 && proxy.counts.serverErrors > 0 && proxy.counts.garbage > 0, JSON.stringify(proxy.counts));
      const splits = await daemon.ctx.common.metrics.registry.getSingleMetricAsString('mixwatch_rpc_getlogs_splits_total');
      assert.match(splits, /chain="ethereum"\} [1-9]/);
    } finally {
      await daemon.stop();
      await proxy.stop();
    }
  });
});
