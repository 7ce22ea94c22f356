import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { TOPICS } from '@mixwatch/bus';
import type { FlowMessage } from '@mixwatch/core';
import type { Store } from '@mixwatch/store';
import { startInProcess, tempDir, waitFor } from '@mixwatch/test/helpers';

// After a crash the sink's cursor can be behind detect's (they commit independently). The detect
// role then starts without waiting (in the embedded mode the sink gets the missing flows only once
// ingest runs, which starts after detect), reports itself not ready, and restores its state as
// soon as the store caught up; batches wait for the restore.
const tmp = tempDir('mixwatch-detect-behind-');
after(() => tmp.remove());

/** The state a crash can leave: detect handled up to block 50, the sink wrote up to block 10. */
async function leaveSinkBehind(store: Store) {
  for (const [cursor_key, block] of [
    ['live:1', 10],
    ['detect:1', 50],
  ] as const)
    await store.saveCursor({ cursor_key, chain: 'ethereum', chain_id: 1, block, hash: '0x0', block_time: 1 });
}

it('detect restores in the background when the store is behind it, and handles batches afterwards', { timeout: 120_000 }, async () => {
  const raw = { dataDir: tmp.dir, http: { port: 0 }, chains: { ethereum: {} } };
  const checkpoint = (block: number): FlowMessage => ({
    type: 'checkpoint',
    chain: 'ethereum',
    chain_id: 1,
    block,
    hash: `0x${'0'.repeat(64)}`,
    block_time: 1_700_000_000 + block,
    blocks: [],
    published_at: Date.now(),
  });
  const first = await startInProcess(raw, ['sink', 'detect']);
  try {
    await leaveSinkBehind(first.daemon.ctx.store);
  } finally {
    await first.daemon.stop();
  }
  const t0 = Date.now();
  const { daemon, query } = await startInProcess(raw, ['sink', 'detect']);
  try {
    assert.ok(Date.now() - t0 < 40_000, 'the start did not wait for the sink');
    const readyz = async () =>
      (await (await fetch(`http://127.0.0.1:${daemon.port}/readyz`)).json()) as { roles: Array<{ role: string; ready: boolean }> };
    assert.equal((await readyz()).roles.find((r) => r.role === 'detect')?.ready, false, 'detect is not ready while restoring');
    // the sink catches up (ingest would re-publish from its cursor), then a new checkpoint
    await daemon.ctx.bus.publish(TOPICS.flows, [
      { key: '1', value: checkpoint(50) },
      { key: '1', value: checkpoint(60) },
    ]);
    await waitFor(
      'detect restored and handled the new checkpoint',
      async () => {
        const r = await query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'detect:1'");
        return Number(r[0]?.block) === 60;
      },
      60_000,
      100,
    );
    assert.equal((await readyz()).roles.find((r) => r.role === 'detect')?.ready, true);
  } finally {
    await daemon.stop();
  }
});

it('a detect role still waiting for the store stops at once when asked', { timeout: 30_000 }, async () => {
  // the wait itself gives up only after 45 s of a motionless sink cursor; the stop must not wait for that
  const dir = `${tmp.dir}/stop`;
  const raw = { dataDir: dir, http: { port: 0 }, chains: { ethereum: {} } };
  const first = await startInProcess(raw, ['sink', 'detect']);
  try {
    await leaveSinkBehind(first.daemon.ctx.store);
  } finally {
    await first.daemon.stop();
  }
  const { daemon } = await startInProcess(raw, ['sink', 'detect']);
  await daemon.stop();
});
