import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADDR,
  type Anvil,
  emitLog,
  headNumber,
  mine,
  startAnvil,
  startInProcess,
  tempDir,
  testConfig,
  tornadoCases,
  usdtBlacklist,
  usdtTransfer,
  waitFor,
} from '@mixwatch/test/helpers';

// Replays recorded Tornado Cash 100 ETH pool events and Tether events at their real mainnet
// addresses on anvil (chain id 1), runs the embedded pipeline, and checks the exact rows.
describe('embedded pipeline: anvil replay → ingest → bus → sink → chDB', () => {
  let anvil: Anvil;
  const tmp = tempDir();
  const cases = tornadoCases({ deposits: 25, withdrawals: 15 });
  const replayed: Array<{ txHash: string; c: (typeof cases)[number] }> = [];
  const sanctioned = '0x098b716b8aaf21512996dc57eb0615e2383e2f96'; // Ronin exploiter, OFAC LAZARUS GROUP

  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    for (const c of cases) replayed.push({ txHash: (await emitLog(anvil, c.log)).txHash, c });
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  it('stores every Tornado deposit and withdrawal exactly once, with tx_from, amounts and addresses', async () => {
    const usdt = [
      usdtTransfer(ADDR.harmonyExploiter, sanctioned, 1_234_567_890n),
      usdtBlacklist('added', sanctioned),
      usdtBlacklist('destroyed', sanctioned, 987_654_321n),
      usdtBlacklist('removed', sanctioned),
    ];
    const usdtTx: string[] = [];
    for (const l of usdt) usdtTx.push((await emitLog(anvil, { ...l, timestamp: 1_600_000_000 + usdtTx.length })).txHash);
    await mine(anvil, 3);
    const head = await headNumber(anvil);
    const { daemon, query } = await startInProcess(testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: anvil.url } } }), [
      'ingest',
      'sink',
    ]);
    try {
      await waitFor('cursor to reach the confirmed head', async () => {
        const rows = await query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'");
        return rows[0] && Number(rows[0].block) >= head - 2;
      });
      const flows = await query<Record<string, string>>(
        'SELECT tx_hash, action, from_address, to_address, tx_from, toString(amount) AS amount, token, token_symbol, service, category, chain, chain_id, contract, extra FROM mixwatch.flows FINAL ORDER BY block_number, log_index',
      );
      assert.equal(flows.length, cases.length + usdt.length);
      const byTx = new Map(flows.map((f) => [f.tx_hash, f]));
      for (const { txHash, c } of replayed) {
        const f = byTx.get(txHash);
        assert.ok(f, `flow for replay of ${c.expect.original_tx}`);
        assert.equal(f.action, c.expect.action);
        assert.equal(f.from_address, c.expect.from_address);
        assert.equal(f.to_address, c.expect.to_address);
        assert.equal(f.tx_from, c.expect.tx_from);
        assert.equal(f.amount, c.expect.amount);
        assert.equal(f.token, 'native');
        assert.equal(f.token_symbol, 'ETH');
        assert.equal(f.service, 'tornado');
        assert.equal(f.category, 'mixer');
        assert.equal(f.chain, 'ethereum');
        assert.equal(f.contract, ADDR.tornado100Eth);
      }
      const w = replayed.find((r) => r.c.expect.action === 'withdrawal')!;
      assert.equal(JSON.parse(String(byTx.get(w.txHash)?.extra)).relayer, ADDR.relayer);
      const [transfer, added, destroyed, removed] = usdtTx.map((h) => byTx.get(h)!);
      assert.deepEqual(
        [transfer!.action, transfer!.from_address, transfer!.to_address, transfer!.amount, transfer!.token_symbol],
        ['transfer', ADDR.harmonyExploiter, sanctioned, '1234567890', 'USDT'],
      );
      assert.deepEqual([added!.action, added!.from_address, added!.to_address], ['freeze', sanctioned, ADDR.usdtEthereum]);
      assert.deepEqual([destroyed!.action, destroyed!.amount], ['destroy', '987654321']);
      assert.equal(removed!.action, 'unfreeze');
      const dlq = await query<{ c: string }>('SELECT count() AS c FROM mixwatch.dlq');
      assert.equal(Number(dlq[0]!.c), 0);
    } finally {
      await daemon.stop();
    }
  });
});
