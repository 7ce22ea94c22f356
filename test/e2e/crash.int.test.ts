import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readDaemonInfo } from '@mixwatch/cli';
import { createTestCommon } from '@mixwatch/core';
import { createStore } from '@mixwatch/store';
import {
  type Anvil,
  emitLogs,
  headNumber,
  mine,
  spawnDaemon,
  startAnvil,
  startFlakyRpc,
  tempDir,
  testConfig,
  tornadoCases,
  waitFor,
} from '@mixwatch/test/helpers';

// kill -9 of the daemon in the middle of ingestion, three times, then a clean run to the head:
// every flow is in the store exactly once.
describe('crash safety of the embedded daemon', () => {
  let anvil: Anvil;
  const tmp = tempDir();
  const cases = tornadoCases({ deposits: 90, withdrawals: 60 });
  let hashes: string[];
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    hashes = await emitLogs(
      anvil,
      cases.map((c) => c.log),
      { perBlock: 2 },
    );
    await mine(anvil, 5);
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  it('loses no flow and duplicates none across kill -9 and restart', async (t) => {
    // a slow provider and small ranges, so that the kills land mid-stream
    const proxy = await startFlakyRpc({ target: anvil.url, delayMs: 40 });
    const raw = testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: proxy.url, maxLogRange: 1, pollIntervalMs: 50 } } });
    // chDB admits one process per folder: read through the running daemon's query route
    const readNumber = async (query: string) => {
      const info = readDaemonInfo(tmp.dir);
      if (!info) return -1;
      const res = await fetch(`http://127.0.0.1:${info.port}/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.token}` },
        body: JSON.stringify({ query, format: 'JSONEachRow' }),
      });
      const text = (await res.text()).trim();
      return res.ok && text ? Number(JSON.parse(text).c) : -1;
    };
    const readCount = () => readNumber('SELECT count() AS c FROM mixwatch.flows');
    const killedAt: number[] = [];
    const children: Array<ReturnType<typeof spawnDaemon>> = [];
    t.after(() => {
      for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    });
    for (let round = 0; round < 3; round++) {
      const d = spawnDaemon(raw, { args: ['--roles', 'ingest,sink'] });
      children.push(d);
      const floor = killedAt.at(-1) ?? 0;
      await waitFor(
        `round ${round}: progress past ${floor}`,
        async () => {
          const c = await readCount();
          return c > floor + 5 && c < cases.length ? c : undefined;
        },
        60_000,
        50,
      );
      d.proc.kill('SIGKILL');
      assert.equal(await d.exited, 'SIGKILL');
      killedAt.push(
        await (async () => {
          const s = await createStore({ common: createTestCommon(), dataDir: tmp.dir });
          try {
            return Number((await s.query<{ c: string }>('SELECT count() AS c FROM mixwatch.flows FINAL'))[0]!.c);
          } finally {
            await s.close();
          }
        })(),
      );
    }
    const head = await headNumber(anvil);
    const last = spawnDaemon(raw, { args: ['--roles', 'ingest,sink'] });
    children.push(last);
    await waitFor(
      'the restarted daemon to reach the head',
      async () => {
        const c = await readNumber("SELECT block AS c FROM mixwatch.cursors WHERE cursor_key = 'live:1'");
        return c >= head - 2 ? c : undefined;
      },
      90_000,
      100,
    );
    last.proc.kill('SIGTERM');
    assert.equal(await last.exited, 0, last.output().slice(-2000));
    await proxy.stop();
    const s = await createStore({ common: createTestCommon(), dataDir: tmp.dir });
    try {
      const [row] = await s.query<{ n: string; ids: string; txs: string }>(
        'SELECT count() AS n, uniqExact(flow_id) AS ids, uniqExact(tx_hash) AS txs FROM mixwatch.flows FINAL',
      );
      assert.equal(Number(row!.n), cases.length);
      assert.equal(Number(row!.ids), cases.length);
      const stored = new Set((await s.query<{ tx_hash: string }>('SELECT tx_hash FROM mixwatch.flows FINAL')).map((r) => r.tx_hash));
      assert.deepEqual(stored, new Set(hashes));
      const [cursor] = await s.query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'");
      assert.ok(Number(cursor!.block) >= head - 2, 'the graceful stop left the cursor at the head');
      assert.ok(
        killedAt.every((k, i) => i === 0 || k >= killedAt[i - 1]!),
        `progress is kept across kills: ${killedAt}`,
      );
    } finally {
      await s.close();
    }
  });
});
