import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMemoryBus, TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import { createTestCommon, type FlowMessage } from '@mixwatch/core';
import { createStore } from '@mixwatch/store';
import { startSink } from '../src/index.ts';

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const checkpoint = (from: number, to: number): FlowMessage => ({
  type: 'checkpoint',
  chain: 'ethereum',
  chain_id: 1,
  block: to,
  hash: hash(to),
  block_time: 1_700_000_000 + to,
  blocks: Array.from({ length: to - from + 1 }, (_, i) => ({ number: from + i, hash: hash(from + i) })),
  published_at: Date.now(),
});

test('several ranges in one sink batch: the cursor takes the last, the block hashes of every range are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixwatch-sink-'));
  const common = createTestCommon();
  const store = await createStore({ common, dataDir: dir });
  const bus = createMemoryBus({ common });
  try {
    await store.migrate();
    await startSink({ config: parseConfig({ dataDir: dir }), common, bus, store });
    // one publish = one batch for the sink: three consecutive ranges of one chain
    await bus.publish(TOPICS.flows, [
      { key: '1', value: checkpoint(100, 104) },
      { key: '1', value: checkpoint(105, 109) },
      { key: '1', value: checkpoint(110, 112) },
    ]);
    const deadline = Date.now() + 20_000;
    while ((await store.getCursor('live:1'))?.block !== 112) {
      assert.ok(Date.now() < deadline, 'the cursor did not reach block 112');
      await new Promise((r) => setTimeout(r, 25));
    }
    const known = await store.recentBlocks(1, 112, 100);
    assert.deepEqual(
      known.map((b) => b.number).sort((a, b) => a - b),
      Array.from({ length: 13 }, (_, i) => 100 + i),
    );
  } finally {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
