import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestCommon } from '@mixwatch/core';
import { createStore, type Store } from '@mixwatch/store';
import { awaitStoredFlows, storeBehind } from '../src/persist.ts';

// awaitStoredFlows against the real embedded store: detect restarts only once the sink's cursor
// reached detect's own (Kafka: the two commit independently, so after a crash the sink may be
// behind), and gives up — with the reason — when there is no sink cursor or it stops moving.
describe('detect: wait for the store to hold the flows detect handled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-detect-wait-'));
  let store: Store;
  const common = createTestCommon();
  const cursor = (chainId: number, block: number) =>
    store.saveCursor({ cursor_key: `live:${chainId}`, chain: 'x', chain_id: chainId, block, hash: '0x0', block_time: 1 });
  before(async () => {
    store = await createStore({ common, dataDir: dir });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits while the sink catches up, and returns once it reached the detect cursor', async () => {
    await cursor(1, 5);
    assert.equal(await storeBehind(store, new Map([[1, 12]])), true);
    assert.equal(await storeBehind(store, new Map([[1, 5]])), false);
    assert.equal(await storeBehind(store, new Map([[9, 5]])), false, 'no sink cursor: nothing to wait for');
    let block = 5;
    const advance = setInterval(() => {
      block = Math.min(12, block + 2);
      void cursor(1, block);
    }, 150);
    try {
      const out = await awaitStoredFlows({ store, cursors: new Map([[1, 12]]), logger: common.logger, stallMs: 2_000, everyMs: 50 });
      assert.deepEqual(out, [{ chainId: 1, detect: 12, store: 12, outcome: 'reached' }]);
    } finally {
      clearInterval(advance);
    }
  });

  it('does not wait for a chain no sink writes to, nor for a sink that stopped moving', async () => {
    await cursor(3, 7);
    const t0 = Date.now();
    const out = await awaitStoredFlows({
      store,
      cursors: new Map([
        [2, 40],
        [3, 9],
      ]),
      logger: common.logger,
      stallMs: 400,
      everyMs: 50,
    });
    assert.deepEqual(out, [
      { chainId: 2, detect: 40, store: -1, outcome: 'no_sink_cursor' },
      { chainId: 3, detect: 9, store: 7, outcome: 'stalled' },
    ]);
    assert.ok(Date.now() - t0 < 30_000, 'bounded by stallMs, not by maxMs');
  });
});
