import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Alert, createTestCommon } from '@mixwatch/core';
import { createMemoryBus } from './memory.ts';
import { type BusRecord, TOPICS } from './topics.ts';

const alert = (i: number): BusRecord<Alert> => ({
  key: String(i),
  value: {
    alert_id: String(i),
    rule: 'pipeline_health',
    severity: 'low',
    chain: 'x',
    block_time: 0,
    tx_hash: '',
    address: '',
    service: '',
    amount: '0',
    title: 't',
    details: {},
    created_at: 0,
  },
});

describe('in-process bus', () => {
  it('delivers every record to every group, in order', async () => {
    const bus = createMemoryBus({ common: createTestCommon() });
    const a: string[] = [];
    const b: string[] = [];
    await bus.subscribe(TOPICS.alerts, 'a', async (r) => void a.push(...r.map((x) => x.value.alert_id)));
    await bus.subscribe(TOPICS.alerts, 'b', async (r) => void b.push(...r.map((x) => x.value.alert_id)), { maxBatch: 3 });
    for (let i = 0; i < 50; i++) await bus.publish(TOPICS.alerts, [alert(i)]);
    await bus.close();
    const want = Array.from({ length: 50 }, (_, i) => String(i));
    assert.deepEqual(a, want);
    assert.deepEqual(b, want);
  });

  it('lets go of handled records (they are not kept until the queue compacts)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const bus = createMemoryBus({ common: createTestCommon() });
    let handled = 0;
    await bus.subscribe(TOPICS.alerts, 'a', async (r) => {
      handled += r.length;
    });
    const refs: WeakRef<object>[] = [];
    const publish = async (from: number, track: boolean) => {
      const records = Array.from({ length: 100 }, (_, i) => alert(from + i));
      if (track) for (const r of records) refs.push(new WeakRef(r.value));
      await bus.publish(TOPICS.alerts, records);
    };
    const handledUpTo = async (n: number) => {
      for (let i = 0; i < 200 && handled < n; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(handled, n);
    };
    await publish(0, true);
    await handledUpTo(100);
    // A later batch, so that nothing from the first one is the consumer's current batch.
    await publish(100, false);
    await handledUpTo(200);
    await new Promise((r) => setTimeout(r, 0));
    gc();
    assert.equal(refs.filter((w) => w.deref() !== undefined).length, 0, 'the first batch is garbage');
    await bus.close();
  });

  it('redelivers a batch whose handler failed (at least once)', async () => {
    const bus = createMemoryBus({ common: createTestCommon() });
    let calls = 0;
    const seen: string[] = [];
    await bus.subscribe(TOPICS.alerts, 'g', async (r) => {
      calls++;
      if (calls === 1) throw new Error('store down');
      seen.push(...r.map((x) => x.value.alert_id));
    });
    await bus.publish(TOPICS.alerts, [alert(1), alert(2)]);
    await bus.close();
    assert.deepEqual(seen, ['1', '2']);
    assert.equal(calls, 2);
  });

  it('blocks producers while a consumer holds `capacity` records (backpressure)', async () => {
    const bus = createMemoryBus({ common: createTestCommon(), capacity: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    await bus.subscribe(TOPICS.alerts, 'slow', async () => gate);
    await bus.publish(
      TOPICS.alerts,
      Array.from({ length: 100 }, (_, i) => alert(i)),
    );
    let published = false;
    const p = bus.publish(TOPICS.alerts, [alert(100)]).then(() => {
      published = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(published, false, 'publish waits while the queue is full');
    release();
    await p;
    assert.equal(published, true);
    await bus.close();
  });
});
