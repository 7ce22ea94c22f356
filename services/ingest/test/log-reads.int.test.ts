import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RetryableError } from '@mixwatch/core';
import {
  type Anvil,
  emitLog,
  type FlakyRpc,
  mine,
  startAnvil,
  startFlakyRpc,
  startInProcess,
  tempDir,
  testConfig,
  tornadoCases,
} from '@mixwatch/test/helpers';
import { followerFor, MAX_LOG_READS } from '../src/index.ts';

// The ingest's defence against providers that answer eth_getLogs with logs missing (load-balanced
// providers whose backends lag): with `logReads: 2` a range is read until two answers agree, the
// union of the reads is kept, and a range on which no two answers agree is not accepted. Real
// anvil behind the misbehaving proxy of test/helpers/flaky-rpc.ts; the follower is the one the
// ingest role builds from the config (followerFor), its fetchRange called directly.

const N = 8;

/** Drops the log at position `pick(k)` of the k-th non-empty eth_getLogs answer where `when(k)`. */
function dropper(pick: (k: number) => number, when: (k: number) => boolean = () => true) {
  let k = 0;
  return (logs: Array<Record<string, unknown>>) => {
    if (logs.length === 0) return logs;
    const i = k++;
    if (!when(i)) return logs;
    const at = pick(i) % logs.length;
    return logs.filter((_, j) => j !== at);
  };
}

describe('ingest: eth_getLogs read until two answers agree (chains.<name>.logReads)', () => {
  let anvil: Anvil;
  let first = 0;
  let last = 0;
  const tmp = tempDir('mixwatch-log-reads-');
  const proxies: FlakyRpc[] = [];
  let dirs = 0;

  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    const blocks: number[] = [];
    for (const c of tornadoCases({ deposits: N, withdrawals: 0 })) blocks.push((await emitLog(anvil, c.log)).blockNumber);
    first = Math.min(...blocks);
    last = Math.max(...blocks);
    await mine(anvil, 3);
  });
  after(async () => {
    for (const p of proxies) await p.stop();
    await anvil?.stop();
    tmp.remove();
  });

  async function proxy(mutateLogs?: (logs: Array<Record<string, unknown>>, call: number) => Array<Record<string, unknown>>) {
    const p = await startFlakyRpc({ target: anvil.url, ...(mutateLogs ? { mutateLogs } : {}) });
    proxies.push(p);
    return p;
  }

  /** The Tornado flows of [first, last] as the ingest fetches them through `urls`, and the disagreements counted. */
  async function fetchThrough(urls: string[], logReads: number) {
    const run = await startInProcess(
      testConfig({
        dataDir: `${tmp.dir}/d${dirs++}`,
        chains: { ethereum: { url: urls[0]!, rpc: urls, confirmations: 1, maxLogRange: 100, logReads } },
      }),
      ['sink'],
    );
    try {
      const follower = followerFor(run.daemon.ctx, 'ethereum');
      const outcome = await follower.fetchRange(first, last, 'live:1', true).then(
        (r) => ({ flows: r.flows.filter((f) => f.service === 'tornado').length, error: undefined }),
        (error: unknown) => ({ flows: 0, error }),
      );
      const text = await run.daemon.ctx.common.metrics.registry.getSingleMetricAsString('mixwatch_ingest_log_read_disagreements_total');
      const disagreements = Number(/mixwatch_ingest_log_read_disagreements_total\{chain="ethereum"\} (\d+)/.exec(text)?.[1] ?? 0);
      return { ...outcome, disagreements };
    } finally {
      await run.daemon.stop();
    }
  }

  it('an honest provider: two reads agree at once, every flow, no disagreement', async () => {
    const p = await proxy();
    const r = await fetchThrough([p.url], 2);
    assert.equal(r.error, undefined);
    assert.equal(r.flows, N);
    assert.equal(r.disagreements, 0);
  });

  it('logReads: 1 trusts one answer: a provider dropping a log loses its flow (what the double read prevents)', async () => {
    const p = await proxy(dropper(() => 0));
    const r = await fetchThrough([p.url], 1);
    assert.equal(r.error, undefined);
    assert.equal(r.flows, N - 1);
    assert.ok(p.counts.dropped > 0);
  });

  it('logReads: 2 with a provider that drops a log from every other answer: reads until two agree, keeps every flow', async () => {
    // answers 0 and 2 lose a different log each, answers 1 and 3 are complete: reads 1-3 all
    // differ, read 4 agrees with read 2.
    const p = await proxy(
      dropper(
        (k) => k,
        (k) => k % 2 === 0,
      ),
    );
    const r = await fetchThrough([p.url], 2);
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.flows, N);
    assert.equal(r.disagreements, 2);
    assert.equal(p.counts.dropped, 2);
  });

  it('logReads: 2 when no two answers agree: a RetryableError after MAX_LOG_READS reads, nothing accepted', async () => {
    const p = await proxy(dropper((k) => k));
    const r = await fetchThrough([p.url], 2);
    assert.ok(r.error instanceof RetryableError, `expected a RetryableError, got ${String(r.error)}`);
    assert.match(String((r.error as Error).message), new RegExp(`disagreed in ${MAX_LOG_READS} reads`));
    assert.equal(p.counts.dropped, MAX_LOG_READS);
  });

  it('with two RPC URLs the second read asks the other provider', async () => {
    const lossy = await proxy(dropper(() => 0));
    const honest = await proxy();
    const r = await fetchThrough([lossy.url, honest.url], 2);
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.flows, N);
    assert.ok(honest.counts.getLogs > 0, 'the second provider answered eth_getLogs');
    assert.ok(r.disagreements >= 1);
  });
});
