import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Anvil,
  emitLog,
  type FlakyRpc,
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

// A `mixwatch run` that starts far behind the head catches up range by range. Ranges wholly below
// the reorg reach (head − confirmations − reorgWindow) are trusted like backfill ranges: headers of
// their first and last blocks only, block times from the logs' `blockTimestamp`; ranges within the
// reach read the header of every block with logs and check the logs' block hashes against them.
// Either way the stored flows are the same.

const N = 30;

describe('ingest: catch-up ranges below the reorg reach', () => {
  let anvil: Anvil;
  let head = 0;
  let first = 0;
  /** block number -> timestamp of the blocks with deposits, from the node */
  const times = new Map<number, number>();
  const tmp = tempDir('mixwatch-deep-catch-up-');
  const proxies: FlakyRpc[] = [];
  let dirs = 0;

  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    for (const c of tornadoCases({ deposits: N, withdrawals: 0 })) {
      const { blockNumber } = await emitLog(anvil, c.log);
      const b = await anvil.rpc<{ timestamp: string }>('eth_getBlockByNumber', [`0x${blockNumber.toString(16)}`, false]);
      times.set(blockNumber, Number(b.timestamp));
    }
    first = Math.min(...times.keys());
    await mine(anvil, 10);
    head = await headNumber(anvil);
  });
  after(async () => {
    for (const p of proxies) await p.stop();
    await anvil?.stop();
    tmp.remove();
  });

  /** Runs ingest + sink from the first deposit block to the confirmed head through `url`. */
  async function catchUp(url: string, reorgWindow: number) {
    const run = await startInProcess(
      testConfig({
        dataDir: `${tmp.dir}/d${dirs++}`,
        chains: { ethereum: { url, confirmations: 1, reorgWindow, maxLogRange: N, startBlock: first } },
      }),
      ['ingest', 'sink'],
    );
    try {
      await waitFor(
        'the sink cursor at the confirmed head',
        async () => ((await run.daemon.ctx.store.getCursor('live:1'))?.block ?? 0) >= head - 1,
        60_000,
      );
      const flows = await run.query<{ flow_id: string; block_number: string; t: string }>(
        "SELECT flow_id, block_number, toUnixTimestamp(block_time) AS t FROM mixwatch.flows FINAL WHERE service = 'tornado' ORDER BY flow_id",
      );
      const text = await run.daemon.ctx.common.metrics.registry.getSingleMetricAsString('mixwatch_rpc_requests_total');
      const headers = [...text.matchAll(/method="eth_getBlockByNumber"[^}]*\} (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
      return { flows: flows.map((f) => ({ id: f.flow_id, block: Number(f.block_number), time: Number(f.t) })), headers };
    } finally {
      await run.daemon.stop();
    }
  }

  it('below the reach: two headers per range, block times from the logs; the same flows as reading every header', async () => {
    const deep = await catchUp(anvil.url, 4);
    const checked = await catchUp(anvil.url, 1_000);
    assert.equal(deep.flows.length, N);
    for (const f of deep.flows) assert.equal(f.time, times.get(f.block), `block time of ${f.id}`);
    assert.deepEqual(deep.flows, checked.flows);
    // The deposit blocks are one range (maxLogRange N): within the reach, the header of each of
    // them (and of every block of the range: the reach is dense); below it, those of its first
    // and last blocks: N − 2 fewer. The rest (the range up to the head) is alike; the polls'
    // probes vary by a few with timing, hence the margin.
    assert.ok(checked.headers >= N, `within the reach: ${checked.headers} header reads`);
    assert.ok(checked.headers - deep.headers >= N / 2, `header reads: ${deep.headers} below the reach, ${checked.headers} within it`);
  });

  it('below the reach, from a node whose logs carry no blockTimestamp: block times from the headers', async () => {
    const p = await startFlakyRpc({
      target: anvil.url,
      mutateLogs: (logs) => logs.map(({ blockTimestamp: _drop, ...rest }) => rest),
    });
    proxies.push(p);
    const deep = await catchUp(p.url, 4);
    assert.equal(deep.flows.length, N);
    for (const f of deep.flows) assert.equal(f.time, times.get(f.block), `block time of ${f.id}`);
    assert.ok(deep.headers >= N, `${deep.headers} header reads`);
  });
});
