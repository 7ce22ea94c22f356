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
  usdtTransfer,
  waitFor,
} from '@mixwatch/test/helpers';

// stablecoinScope: watched — only USDT transfers touching labelled/tainted addresses are fetched
// (topic-filtered eth_getLogs); native-coin transfers sent by watched addresses become flows.
describe('watched scope', () => {
  let anvil: Anvil;
  const tmp = tempDir();
  const lazarus = '0x098b716b8aaf21512996dc57eb0615e2383e2f96'; // OFAC SDN: LAZARUS GROUP (Ronin exploiter)
  const alice = '0x1111111111111111111111111111111111111111';
  const bob = '0x2222222222222222222222222222222222222222';
  const tx: Record<string, string> = {};
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_650_000_000 });
    tx.out = (await emitLog(anvil, usdtTransfer(lazarus, alice, 7_000_000n))).txHash;
    tx.in = (await emitLog(anvil, usdtTransfer(bob, lazarus, 8_000_000n))).txHash;
    tx.ordinary = (await emitLog(anvil, usdtTransfer(alice, bob, 9_000_000n))).txHash;
    await mine(anvil, 3);
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  it('fetches only watched stablecoin transfers and the native transfers of watched senders', async () => {
    const { daemon, query } = await startInProcess(
      testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: anvil.url, stablecoinScope: 'watched', confirmations: 1 } } }),
      ['ingest', 'sink', 'detect'],
    );
    try {
      // a native transfer by the watched address while the daemon follows the chain live
      await anvil.rpc('anvil_impersonateAccount', [lazarus]);
      await anvil.rpc('anvil_setBalance', [lazarus, '0x56bc75e2d63100000']);
      tx.native = await anvil.rpc<string>('eth_sendTransaction', [{ from: lazarus, to: bob, value: '0xde0b6b3a7640000' }]);
      tx.nativeOrdinary = await anvil
        .rpc<string>('eth_sendTransaction', [{ from: ADDR.relayer, to: bob, value: '0x1' }])
        .catch(async () => {
          await anvil.rpc('anvil_impersonateAccount', [ADDR.relayer]);
          await anvil.rpc('anvil_setBalance', [ADDR.relayer, '0x56bc75e2d63100000']);
          return anvil.rpc<string>('eth_sendTransaction', [{ from: ADDR.relayer, to: bob, value: '0x1' }]);
        });
      await mine(anvil, 3);
      const head = await headNumber(anvil);
      await waitFor('cursor at head', async () => {
        const r = await query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'");
        return r[0] && Number(r[0].block) >= head - 1;
      });
      const rows = await query<{
        tx_hash: string;
        service: string;
        category: string;
        action: string;
        from_address: string;
        to_address: string;
        amount: string;
        log_index: number;
      }>(
        'SELECT tx_hash, service, category, action, from_address, to_address, toString(amount) AS amount, log_index FROM mixwatch.flows FINAL ORDER BY block_number',
      );
      const got = new Map(rows.map((r) => [r.tx_hash, r]));
      assert.ok(got.has(tx.out!), 'transfer out of the sanctioned address');
      assert.ok(got.has(tx.in!), 'transfer into the sanctioned address');
      assert.ok(!got.has(tx.ordinary!), 'a transfer between unwatched addresses is not fetched');
      const native = got.get(tx.native!);
      assert.ok(native, 'native transfer of the watched sender');
      assert.deepEqual(
        [native.service, native.category, native.action, native.from_address, native.to_address, native.amount],
        ['native', 'native', 'transfer', lazarus, bob, '1000000000000000000'],
      );
      assert.ok(native.log_index >= 1_000_000);
      assert.ok(!got.has(tx.nativeOrdinary!), 'native transfers of unwatched senders are ignored');
      assert.equal(rows.length, 3);
    } finally {
      await daemon.stop();
    }
  });
});
