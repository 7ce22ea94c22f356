import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Anvil,
  emitLog,
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
import { followerFor, retryDelayMs } from '../src/index.ts';

// A provider whose every range fails once before it answers (its backend catches up), while the
// chain still advances range by range: the follower's failure count (which drives its backoff
// and /readyz) must restart with every range it publishes. Before, it only restarted when a
// whole catch-up finished, so each failed range doubled the wait up to the cap (25.6 s with a
// 100 ms poll interval) and /readyz reported failure although the chain advanced.

describe('ingest: backoff follows consecutive failures without progress', () => {
  let anvil: Anvil;
  const tmp = tempDir('mixwatch-backoff-');
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    for (const c of tornadoCases({ deposits: 12, withdrawals: 0 })) await emitLog(anvil, c.log);
    await mine(anvil, 40);
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  it('retryDelayMs doubles from the poll interval per consecutive failure, is capped at 30 s and half jittered', () => {
    for (const [failures, full] of [
      [1, 100],
      [2, 200],
      [5, 1_600],
      [9, 25_600],
      [10, 30_000],
      [40, 30_000],
    ] as const) {
      for (let i = 0; i < 20; i++) {
        const d = retryDelayMs(100, failures);
        assert.ok(d >= full / 2 && d <= full, `failures ${failures}: ${d} outside [${full / 2}, ${full}]`);
      }
    }
  });

  it('every range fails once, then is read: failures never reach the /readyz threshold, every flow is stored', async () => {
    // 4 = the RPC layer's attempts for a 5xx: the first try of each range fails at the follower
    const proxy = await startFlakyRpc({ target: anvil.url, failFirstGetLogs: 4 });
    const run = await startInProcess(
      testConfig({
        dataDir: tmp.dir,
        chains: { ethereum: { url: proxy.url, confirmations: 2, maxLogRange: 2, pollIntervalMs: 50, logReads: 1 } },
      }),
      ['sink'],
    );
    const controller = new AbortController();
    try {
      const follower = followerFor(run.daemon.ctx, 'ethereum');
      const done = follower.run(controller.signal);
      const target = (await headNumber(anvil)) - 2;
      let maxFailures = 0;
      await waitFor(
        'the follower to reach the confirmed head',
        async () => {
          maxFailures = Math.max(maxFailures, follower.status.failures);
          return follower.status.cursor >= target;
        },
        240_000,
        20,
      );
      await waitFor('the sink to store the 12 flows', async () => {
        const r = await run.query<{ c: string | number }>('SELECT count() AS c FROM mixwatch.flows FINAL');
        return Number(r[0]?.c) === 12;
      });
      controller.abort();
      await done;
      assert.ok(proxy.counts.serverErrors >= 40, `only ${proxy.counts.serverErrors} 503 answers`);
      // startIngest's health(): not ready from 5 consecutive failures
      assert.ok(maxFailures < 5, `failures reached ${maxFailures} while the chain advanced`);
    } finally {
      controller.abort();
      await run.daemon.stop();
      await proxy.stop();
    }
  });
});
