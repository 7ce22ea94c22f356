// Test fixture (kafka.int.test.ts): a consumer in its own process, so that the test can kill -9 it
// in the middle of a batch, or stop it (SIGSTOP) and let it go on (SIGCONT).
// Default: handles heartbeat records whose `cursor` is below HANG_FROM (prints `handled <cursor>`
// after the handler resolved) and hangs forever on the first record at or above it (prints
// `hang`), never resolving that batch.
// EXCLUSIVE=1: a member of an exclusive group over PARTITIONS partitions that handles everything
// and prints `assigned <partitions> elsewhere <committedElsewhere()>` after each join.
import { createTestCommon } from '@mixwatch/core';
import { createKafkaBus } from '../bus.ts';

const brokers = (process.env.BROKERS ?? '').split(',');
const hangFrom = Number(process.env.HANG_FROM ?? '0');
const exclusive = process.env.EXCLUSIVE === '1';
const common = createTestCommon();
const bus = await createKafkaBus({
  common,
  brokers,
  topicPrefix: process.env.PREFIX ?? '',
  partitions: Number(process.env.PARTITIONS ?? 1),
  sessionTimeoutMs: 6_000,
});
await bus.subscribe(
  'mixwatch.flows.v1',
  process.env.GROUP ?? 'sink',
  async (records) => {
    if (exclusive) return;
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
  exclusive
    ? {
        exclusive: true,
        onAssignment: (partitions, assignment) => {
          assignment.committedElsewhere().then(
            (elsewhere) => process.stdout.write(`assigned ${partitions} elsewhere ${elsewhere}\n`),
            (error) => process.stdout.write(`assigned ${partitions} elsewhere failed: ${String(error)}\n`),
          );
        },
      }
    : { maxBatch: 1_000 },
);
process.stdout.write('subscribed\n');
