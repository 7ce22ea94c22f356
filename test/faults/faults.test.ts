import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { readDaemonInfo } from '@mixwatch/cli';
import { createTestCommon } from '@mixwatch/core';
import { createStore } from '@mixwatch/store';
import {
  type Anvil,
  emitLog,
  headNumber,
  mine,
  spawnDaemon,
  startAnvil,
  startFlakyRpc,
  startInProcess,
  tempDir,
  testConfig,
  tornadoCases,
  waitFor,
} from '@mixwatch/test/helpers';
import { benchStream } from '../bench/corpus.ts';
import { replayFast } from '../bench/fast-replay.ts';
import { type Comparison, compareFlows, faultRows, faultTable, groundTruth, startMutatingRpc } from './harness.ts';

// Fault-injection suite (`npm run test:faults`). One anvil chain with a replayed mix of USDT,
// recorded Tornado and registry bridge/Railgun events; for each fault a fresh embedded daemon
// (ingest + sink, chDB in its own folder) indexes it from the first replayed block while the fault
// is injected; afterwards ClickHouse is compared with the ground truth computed from the node:
// zero lost, zero duplicated, zero invented flows. Reorgs run on their own node. The last test
// prints the faults × outcome table.

const CONF = 2;

describe('fault injection', () => {
  let anvil: Anvil;
  let first = 0;
  let last = 0;
  let truth: Set<string>;
  const tmp = tempDir('mixwatch-faults-');
  let dirs = 0;

  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_600_000_000 });
    const stream = benchStream(3000);
    const r = await replayFast(
      anvil,
      stream.map((c) => c.log),
      { startTime: 1_600_000_100, logsPerTx: 5, txPerBlock: 4 },
    );
    first = r.firstBlock;
    last = r.lastBlock;
    await mine(anvil, CONF + 3);
    truth = await groundTruth(anvil, first, last);
    assert.ok(truth.size >= 3000, `ground truth has ${truth.size} flows`);
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  /** Runs the in-process daemon against `url` until the live cursor passes the last replayed block; compares. */
  async function indexThrough(
    url: string,
    chainExtra: Record<string, unknown>,
    during?: (d: Awaited<ReturnType<typeof startInProcess>>) => Promise<void>,
  ) {
    const dir = `${tmp.dir}/d${dirs++}`;
    const run = await startInProcess(
      testConfig({ dataDir: dir, chains: { ethereum: { url, startBlock: first, confirmations: CONF, maxLogRange: 10, ...chainExtra } } }),
      ['ingest', 'sink'],
    );
    try {
      const duringDone = during?.(run);
      const cursor = async () =>
        Number((await run.query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'"))[0]?.block ?? 0);
      let timedOut: string | undefined;
      await waitFor('the live cursor to pass the last replayed block', async () => (await cursor()) >= last, 150_000, 200).catch(
        async () => {
          timedOut = `TIMEOUT: cursor at ${await cursor()} of ${last} after 150 s`;
        },
      );
      await duringDone;
      return { ...(await compareFlows(run.query, truth)), timedOut };
    } finally {
      await run.daemon.stop();
    }
  }

  type Outcome = Comparison & { timedOut?: string | undefined };
  const record = (fault: string, injected: string, t0: number, comparison?: Outcome, outcome?: string) => {
    const ok = comparison && comparison.lost === 0 && comparison.duplicated === 0 && comparison.invented === 0;
    const verdict = outcome ?? (ok ? 'OK' : 'WRONG DATA');
    faultRows.push({
      fault,
      injected,
      seconds: (performance.now() - t0) / 1000,
      ...(comparison ? { comparison } : {}),
      outcome: comparison?.timedOut ? `${comparison.timedOut}; ${verdict}` : verdict,
    });
  };
  const assertExact = (c: Outcome) => {
    assert.equal(c.timedOut, undefined, c.timedOut);
    assert.equal(c.lost, 0, `lost ${c.lost} flows`);
    assert.equal(c.duplicated, 0, `duplicated ${c.duplicated}`);
    assert.equal(c.invented, 0, `invented ${c.invented}`);
    assert.equal(c.stored, c.expected);
  };

  it('RPC timeouts (provider hangs 1.5 s per call for 5 s, timeout 400 ms)', async () => {
    const t0 = performance.now();
    const proxy = await startFlakyRpc({ target: anvil.url, delayMs: 1500 });
    setTimeout(() => proxy.set({ delayMs: 0 }), 5000);
    try {
      const c = await indexThrough(proxy.url, { rpcTimeoutMs: 400 });
      record('RPC timeouts', `${proxy.counts.requests} requests, first 5 s hang 1.5 s`, t0, c);
      assertExact(c);
    } finally {
      await proxy.stop();
    }
  });

  it('429 storm (40 % of calls answered 429 Retry-After: 0)', async () => {
    const t0 = performance.now();
    const proxy = await startFlakyRpc({ target: anvil.url, rate429: 0.4, seed: 3 });
    try {
      const c = await indexThrough(proxy.url, {});
      record('429 storm', `${proxy.counts.tooMany} x 429 of ${proxy.counts.requests}`, t0, c);
      assert.ok(proxy.counts.tooMany > 10);
      assertExact(c);
    } finally {
      await proxy.stop();
    }
  });

  it('wrong or truncated JSON and 5xx (15 % each)', async () => {
    const t0 = performance.now();
    const proxy = await startFlakyRpc({ target: anvil.url, rate5xx: 0.15, rateGarbage: 0.15, seed: 5 });
    try {
      const c = await indexThrough(proxy.url, {});
      record(
        'truncated JSON + 5xx',
        `${proxy.counts.garbage} truncated, ${proxy.counts.serverErrors} 5xx of ${proxy.counts.requests}`,
        t0,
        c,
      );
      assert.ok(proxy.counts.garbage > 0 && proxy.counts.serverErrors > 0);
      assertExact(c);
    } finally {
      await proxy.stop();
    }
  });

  it('provider adds logs of unwatched addresses at random (must not invent flows)', async () => {
    const t0 = performance.now();
    const proxy = await startMutatingRpc({ target: anvil.url, addUnwatched: 0.5, seed: 13 });
    try {
      const c = await indexThrough(proxy.url, {});
      record('provider adds unwatched logs', `${proxy.counts.added} foreign logs in ${proxy.counts.getLogs} getLogs`, t0, c);
      assert.ok(proxy.counts.added > 0);
      assertExact(c);
    } finally {
      await proxy.stop();
    }
  });

  it('provider drops logs at random from some answers (must not lose flows)', async () => {
    const t0 = performance.now();
    const proxy = await startMutatingRpc({ target: anvil.url, dropCalls: 0.3, dropLog: 0.1, seed: 17 });
    try {
      const c = await indexThrough(proxy.url, {});
      record(
        'provider drops logs',
        `${proxy.counts.dropped} logs dropped in ${proxy.counts.getLogs} getLogs`,
        t0,
        c,
        c.lost > 0 ? `LOST ${c.lost} (ingest trusts one getLogs answer per range)` : undefined,
      );
      assert.ok(proxy.counts.dropped > 0);
      assertExact(c);
    } finally {
      await proxy.stop();
    }
  });

  it('store write failures (a CHECK constraint makes every flows insert fail for 4 s)', async () => {
    const t0 = performance.now();
    let failures = 0;
    const c = await indexThrough(anvil.url, { pollIntervalMs: 100 }, async ({ daemon }) => {
      await daemon.ctx.store.command('ALTER TABLE mixwatch.flows ADD CONSTRAINT fault_injection CHECK block_number < 0');
      await new Promise((r) => setTimeout(r, 4000));
      const errors = await daemon.ctx.common.metrics.registry.getSingleMetricAsString('mixwatch_store_errors_total');
      for (const line of errors.split('\n')) if (!line.startsWith('#') && line.trim()) failures += Number(line.split(' ').at(-1));
      await daemon.ctx.store.command('ALTER TABLE mixwatch.flows DROP CONSTRAINT fault_injection');
    });
    record('store write failures', `CHECK constraint for 4 s, ${failures} store errors`, t0, c);
    assertExact(c);
  });

  it('kill -9 of the daemon at random moments, 20 rounds, then a clean run', async () => {
    const t0 = performance.now();
    const dir = `${tmp.dir}/kill`;
    mkdirSync(dir, { recursive: true }); // spawnDaemon writes its config file into the data folder
    // a slow provider and small ranges so that kills land mid-stream
    const proxy = await startFlakyRpc({ target: anvil.url, delayMs: 20 });
    const raw = testConfig({
      dataDir: dir,
      chains: { ethereum: { url: proxy.url, startBlock: first, confirmations: CONF, maxLogRange: 2, pollIntervalMs: 50 } },
    });
    let seed = 99;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const rounds = 20;
    let midStream = 0;
    try {
      const liveCursor = async () => {
        const info = readDaemonInfo(dir);
        if (!info) return -1;
        const res = await fetch(`http://127.0.0.1:${info.port}/query`, {
          method: 'POST',
          headers: { authorization: `Bearer ${info.token}` },
          body: JSON.stringify({ query: "SELECT block AS c FROM mixwatch.cursors WHERE cursor_key = 'live:1'", format: 'JSONEachRow' }),
        });
        const text = (await res.text()).trim();
        return res.ok && text ? Math.max(...text.split('\n').map((l) => Number(JSON.parse(l).c))) : -1;
      };
      for (let round = 0; round < rounds; round++) {
        const d = spawnDaemon(raw, { args: ['--roles', 'ingest,sink'], env: { MIXWATCH_LOG_LEVEL: 'warn' } });
        // Kill 0–3 s after the daemon is up (its daemon.json names a live pid), not after the spawn:
        // on a loaded machine the start alone (tsx, chDB, migrations) takes several seconds, and
        // kills timed from the spawn mostly hit a process that has not started indexing.
        await waitFor('the daemon to be up', async () => readDaemonInfo(dir)?.pid === d.proc.pid || d.proc.exitCode !== null, 120_000, 50);
        assert.equal(d.proc.exitCode, null, `round ${round}: the daemon exited by itself:\n${d.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, rand() * 3000));
        const c = await liveCursor().catch(() => -1);
        if (c > first && c < last) midStream++;
        d.proc.kill('SIGKILL');
        assert.equal(await d.exited, 'SIGKILL');
      }
      const d = spawnDaemon(raw, { args: ['--roles', 'ingest,sink'], env: { MIXWATCH_LOG_LEVEL: 'warn' } });
      let cursor = -1;
      await waitFor(
        'the restarted daemon to pass the last replayed block',
        async () => {
          // A daemon that cannot start (e.g. its store does not open after the kills) ends the wait at once.
          if (d.proc.exitCode !== null) return true;
          cursor = await liveCursor();
          return cursor >= last;
        },
        300_000,
        200,
      ).catch((error: unknown) => {
        const state =
          d.proc.exitCode !== null ? `exited ${d.proc.exitCode}` : readDaemonInfo(dir) ? 'running, query route up' : 'running, not up';
        throw new Error(`${String(error)}; live cursor ${cursor} of ${last}; daemon ${state}; output:\n${d.output().slice(-4000)}`);
      });
      assert.equal(d.proc.exitCode, null, `the restarted daemon exited by itself (${d.proc.exitCode}):\n${d.output().slice(-4000)}`);
      console.log(`# kill -9: ${midStream} of ${rounds} kills landed mid-stream`);
      // At least some kills must hit a daemon in the middle of the replayed range, or this tests nothing.
      assert.ok(midStream >= 1, `none of the ${rounds} kills landed mid-stream`);
      d.proc.kill('SIGTERM');
      assert.equal(await d.exited, 0, d.output().slice(-2000));
    } finally {
      await proxy.stop();
    }
    const store = await createStore({ common: createTestCommon(), dataDir: dir });
    try {
      const c = await compareFlows((sql) => store.query(sql), truth);
      record('kill -9 (ingest+sink daemon)', `${rounds} SIGKILLs 0-3 s after start, ${midStream} mid-stream`, t0, c);
      assertExact(c);
    } finally {
      await store.close();
    }
  });
});

describe('reorgs', () => {
  let anvil: Anvil;
  const tmp = tempDir('mixwatch-faults-reorg-');
  const cases = tornadoCases({ deposits: 40, withdrawals: 0 });
  let next = 0;
  const emit = () => emitLog(anvil, cases[next++]!.log);
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  // Depth d = the number of blocks of the orphaned branch; its first block holds the orphan's log
  // and it is replaced by d + 1 blocks. The follower publishes blocks up to head − confirmations,
  // so the orphan's block is published only once d − 1 ≥ confirmations. Expectations:
  //   d ≤ confirmations (1..4 here): never stored, not even for a moment;
  //   confirmations < d ≤ reorgWindow (6, 9 with window 12): stored, then retracted by the reorg;
  //   d > reorgWindow: the next test (halt, nothing published from the new branch).
  it('reorgs of depth 1..confirmations (never published) and between confirmations and the window (stored, then retracted): store = canonical chain', async () => {
    const t0 = performance.now();
    const confirmations = 4;
    const reorgWindow = 12;
    const depths = [1, 2, 3, 4, 6, 9];
    const published = (depth: number) => depth - 1 >= confirmations;
    assert.ok(depths.filter(published).every((d) => d <= reorgWindow));
    for (let i = 0; i < 3; i++) await emit();
    await mine(anvil, confirmations + 1);
    const start = 1;
    const run = await startInProcess(
      testConfig({ dataDir: `${tmp.dir}/a`, chains: { ethereum: { url: anvil.url, confirmations, reorgWindow, pollIntervalMs: 50 } } }),
      ['ingest', 'sink'],
    );
    const orphans: string[] = [];
    const seen: string[] = [];
    try {
      const liveCursor = async () =>
        Number((await run.query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'"))[0]?.block ?? 0);
      // count() comes back as a number from chDB (a string from a server with 64-bit quoting): compare numbers.
      const rowsOf = async (tx: string) =>
        Number(
          (await run.query<{ c: string | number }>(`SELECT count() AS c FROM mixwatch.flows FINAL WHERE tx_hash = '${tx}'`))[0]?.c ?? 0,
        );
      const settle = async () => {
        const head = await headNumber(anvil);
        await waitFor('cursor at the confirmed head', async () => (await liveCursor()) >= head - confirmations, 60_000, 50);
      };
      await settle();
      for (const depth of depths) {
        const snap = await anvil.rpc<string>('evm_snapshot');
        const orphan = (await emit()).txHash;
        orphans.push(orphan);
        if (depth > 1) await mine(anvil, depth - 1);
        if (published(depth)) {
          // confirmed: it must be stored before it is reorganised away
          await waitFor(`orphan at depth ${depth} stored`, async () => (await rowsOf(orphan)) === 1, 60_000, 50);
        } else {
          // the follower has published everything confirmed (the sink wrote its cursor after the
          // flows): the unconfirmed orphan is not among them
          await settle();
          assert.equal(await rowsOf(orphan), 0, `orphan at depth ${depth} (<= confirmations ${confirmations}) was stored`);
        }
        await anvil.rpc('evm_revert', [snap]);
        await mine(anvil, 1);
        const replacement = (await emit()).txHash;
        await mine(anvil, depth + confirmations);
        await settle();
        await waitFor(`replacement at depth ${depth} stored`, async () => (await rowsOf(replacement)) === 1, 60_000, 50);
        const left = await rowsOf(orphan);
        assert.equal(left, 0, `orphan at depth ${depth} still stored after the reorg`);
        seen.push(`${depth}: ${published(depth) ? 'stored, retracted' : 'never stored'}`);
      }
      const head = await headNumber(anvil);
      const truth = await groundTruth(anvil, start, head - confirmations);
      const c = await compareFlows(run.query, truth);
      const orphanRows = Number(
        (
          await run.query<{ c: string | number }>(
            `SELECT count() AS c FROM mixwatch.flows FINAL WHERE tx_hash IN (${orphans.map((o) => `'${o}'`).join(',')})`,
          )
        )[0]?.c ?? 0,
      );
      const reorgs = await run.daemon.ctx.common.metrics.registry.getSingleMetricAsString('mixwatch_ingest_reorgs_total');
      const detected = Number(/mixwatch_ingest_reorgs_total\{chain="ethereum"\} (\d+)/.exec(reorgs)?.[1] ?? 0);
      faultRows.push({
        fault: `reorgs depth 1-4 (<= confirmations ${confirmations}) and 6, 9 (<= window ${reorgWindow})`,
        injected: `${depths.length} reorgs via evm_snapshot/evm_revert`,
        comparison: c,
        outcome:
          c.lost + c.duplicated + c.invented === 0 && orphanRows === 0
            ? `OK (depth ${seen.join('; ')}; ${detected} reorgs detected)`
            : 'WRONG DATA',
        seconds: (performance.now() - t0) / 1000,
      });
      assert.equal(orphanRows, 0, 'no orphaned flow remains');
      assert.equal(detected, depths.filter(published).length, 'one detected reorg per published orphan');
      assert.equal(c.lost, 0);
      assert.equal(c.duplicated, 0);
      assert.equal(c.invented, 0);
    } finally {
      await run.daemon.stop();
    }
  });

  it('a reorg deeper than the window halts the chain loudly (DeepReorgError, /readyz 503) and publishes nothing from the new branch', async () => {
    const t0 = performance.now();
    const confirmations = 1;
    const reorgWindow = 3;
    const depth = 9;
    const dir = `${tmp.dir}/deep`;
    // The daemon follows the chain before the fork, so it has read blocks below the fork point
    // too: the halt must come from the window, not from which older hashes happen to be known.
    await emit();
    await mine(anvil, 6);
    const run = await startInProcess(
      testConfig({
        dataDir: dir,
        chains: { ethereum: { url: anvil.url, confirmations, reorgWindow, startBlock: (await headNumber(anvil)) - 5, pollIntervalMs: 50 } },
      }),
      ['ingest', 'sink'],
    );
    const rowsOf = async (tx: string) =>
      Number((await run.query<{ c: string | number }>(`SELECT count() AS c FROM mixwatch.flows FINAL WHERE tx_hash = '${tx}'`))[0]?.c ?? 0);
    const liveCursor = async () =>
      Number((await run.query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'"))[0]?.block ?? 0);
    try {
      const base = await headNumber(anvil);
      await waitFor('cursor at the confirmed head before the fork', async () => (await liveCursor()) >= base - confirmations, 60_000, 50);
      const snap = await anvil.rpc<string>('evm_snapshot');
      const orphan = await emit();
      await mine(anvil, depth - 1);
      await waitFor('orphan stored', async () => (await rowsOf(orphan.txHash)) === 1, 60_000, 50);
      const head = await headNumber(anvil);
      await waitFor('cursor at head', async () => (await liveCursor()) >= head - confirmations, 60_000, 50);
      const cursorBefore = await liveCursor();
      await anvil.rpc('evm_revert', [snap]);
      await mine(anvil, 1);
      const replacement = await emit();
      await mine(anvil, 15);
      const ready = await waitFor(
        '/readyz to report the halt',
        async () => {
          const res = await fetch(`http://127.0.0.1:${run.daemon.port}/readyz`);
          const body = await res.text();
          return res.status === 503 && /deeper than the kept window/.test(body) ? body : undefined;
        },
        60_000,
        100,
      );
      // longer than a sink flush (1 s) and many poll intervals: anything published would show
      await new Promise((r) => setTimeout(r, 2000));
      const replaced = await rowsOf(replacement.txHash);
      const cursorAfter = await liveCursor();
      faultRows.push({
        fault: `reorg deeper than the window (${depth} > ${reorgWindow})`,
        injected: `evm_revert of ${depth} blocks`,
        outcome:
          replaced === 0 && cursorAfter === cursorBefore
            ? `HALTED loudly, nothing published from the new branch: ${ready.match(/reorg on [^"]*/)?.[0]?.slice(0, 90) ?? 'DeepReorgError'}`
            : `PUBLISHED after deep reorg (replacement rows ${replaced}, cursor ${cursorBefore} -> ${cursorAfter})`,
        seconds: (performance.now() - t0) / 1000,
      });
      assert.match(ready, /DeepReorg|deeper than the kept window/);
      assert.equal(replaced, 0, 'nothing from the new branch is published once halted');
      assert.equal(cursorAfter, cursorBefore, 'the durable cursor does not move once halted');
    } finally {
      await run.daemon.stop();
    }
  });
});

describe('faults × outcome', () => {
  it('prints the table', () => {
    console.log(`\n${faultTable(faultRows)}\n`);
    assert.ok(faultRows.length > 0);
  });
});
