// Test fixture (kafka.int.test.ts): a consumer in its own process, so that the test can kill -9 it
// in the middle of a batch. Handles heartbeat records whose `cursor` is below HANG_FROM (prints
// `handled <cursor>` after the handler resolved) and hangs forever on the first record at or above
// it (prints `hang`), never resolving that batch.
import { createTestCommon } from '@mixwatch/core';
import { createKafkaBus } from '../bus.ts';

const brokers = (process.env.BROKERS ?? '').split(',');
const hangFrom = Number(process.env.HANG_FROM ?? '0');
const common = createTestCommon();
const bus = await createKafkaBus({ common, brokers, topicPrefix: process.env.PREFIX ?? '', partitions: 1, sessionTimeoutMs: 6_000 });
await bus.subscribe(
  'mixwatch.flows.v1',
  process.env.GROUP ?? 'sink',
  async (records) => {
    for (const r of records) {
      if (r.value.type !== 'heartbeat') continue;
      if (r.value.cursor >= hangFrom) {
        process.stdout.write('hang\n');
        await new Promise(() => {});
      }
    }
    const last = records[records.length - 1]?.value;
    if (last?.type === 'heartbeat') process.stdout.write(`handled ${last.cursor}\n`);
  },
  { maxBatch: 1_000 },
);
process.stdout.write('subscribed\n');
