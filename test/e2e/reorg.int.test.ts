import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Anvil,
  emitLog,
  headNumber,
  mine,
  startAnvil,
  startInProcess,
  tempDir,
  testConfig,
  tornadoCases,
  waitFor,
} from '@mixwatch/test/helpers';

// Reorgs made with anvil snapshots: evm_snapshot, emit, evm_revert, emit something else, mine a
// longer chain. The node then serves a different chain at the same heights.
describe('reorgs', () => {
  let anvil: Anvil;
  const cases = tornadoCases({ deposits: 6, withdrawals: 0 });
  const tmp = tempDir();
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  const flowTxs = async (query: (s: string) => Promise<Array<{ tx_hash: string }>>) =>
    (await query('SELECT tx_hash FROM mixwatch.flows FINAL ORDER BY block_number')).map((r) => r.tx_hash);

  it('a reorg shallower than the confirmation depth never publishes the orphaned flow', async () => {
    const dir = `${tmp.dir}/shallow`;
    await emitLog(anvil, cases[0]!.log);
    await mine(anvil, 10);
    const { daemon, query } = await startInProcess(
      testConfig({ dataDir: dir, chains: { ethereum: { url: anvil.url, confirmations: 5 } } }),
      ['ingest', 'sink'],
    );
    try {
      const base = await headNumber(anvil);
      await waitFor('first flow', async () => (await flowTxs(query)).length === 1);
      const snap = await anvil.rpc<string>('evm_snapshot');
      const orphan = await emitLog(anvil, cases[1]!.log);
      await mine(anvil, 2); // 3 blocks on top of base: below the 5-block confirmation depth
      await new Promise((r) => setTimeout(r, 500));
      await anvil.rpc('evm_revert', [snap]);
      const kept = await emitLog(anvil, cases[2]!.log);
      await mine(anvil, 8);
      await waitFor('the canonical flow', async () => (await flowTxs(query)).includes(kept.txHash));
      const txs = await flowTxs(query);
      assert.ok(!txs.includes(orphan.txHash), 'orphaned flow must not be stored');
      assert.equal(txs.length, 2);
      assert.equal(new Set(txs).size, 2);
      assert.ok(base > 0);
    } finally {
      await daemon.stop();
    }
  });

  it('a reorg deeper than the confirmation depth is detected by parent hash and retracted', async () => {
    const dir = `${tmp.dir}/deep`;
    const { daemon, query } = await startInProcess(
      testConfig({ dataDir: dir, chains: { ethereum: { url: anvil.url, confirmations: 1 } } }),
      ['ingest', 'sink'],
    );
    try {
      // The chain already holds the two canonical flows of the previous case.
      await waitFor('catch-up', async () => (await flowTxs(query)).length === 2);
      const before = 2;
      const snap = await anvil.rpc<string>('evm_snapshot');
      const orphan = await emitLog(anvil, cases[3]!.log);
      await mine(anvil, 3);
      await waitFor('the soon-orphaned flow to be stored', async () => (await flowTxs(query)).includes(orphan.txHash));
      await anvil.rpc('evm_revert', [snap]);
      await mine(anvil, 1);
      const kept = await emitLog(anvil, cases[4]!.log);
      await mine(anvil, 6);
      await waitFor('the canonical flow after the reorg', async () => (await flowTxs(query)).includes(kept.txHash));
      const txs = await flowTxs(query);
      assert.ok(!txs.includes(orphan.txHash), 'the orphaned flow was retracted');
      assert.equal(txs.length, before + 1);
      const metrics = await daemon.ctx.common.metrics.registry.getSingleMetricAsString('mixwatch_ingest_reorgs_total');
      assert.match(metrics, /mixwatch_ingest_reorgs_total\{chain="ethereum"\} [1-9]/);
      const cursor = await query<{ hash: string; block: string }>(
        "SELECT hash, block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'",
      );
      const canonical = await anvil.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${Number(cursor[0]!.block).toString(16)}`, false]);
      assert.equal(cursor[0]!.hash, canonical.hash, 'the durable cursor is on the canonical chain');
    } finally {
      await daemon.stop();
    }
  });
});
