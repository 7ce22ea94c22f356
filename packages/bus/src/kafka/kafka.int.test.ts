// Integration tests of the Kafka bus against a real Apache Kafka broker (KRaft, from the Maven
// jars), random topic prefixes and group names per test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert, Common, DeadLetter, FlowMessage } from '@mixwatch/core';
import { createTestCommon } from '@mixwatch/core';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaTestBroker, randomName, startKafka } from '../../../../test/helpers/kafka.ts';
import type { BusRecord } from '../topics.ts';
import { createKafkaBus, FRAME_HEADER, type KafkaBus } from './bus.ts';

let broker: KafkaTestBroker;
const buses: KafkaBus[] = [];

before(async () => {
  broker = await startKafka();
  console.log(`# kafka cold start: ${broker.startMs} ms`);
});
after(async () => {
  for (const b of buses) await b.close().catch(() => {});
  await broker?.stop();
});

async function makeBus(
  prefix: string,
  extra: { partitions?: number; common?: Common; recordsPerMessage?: number; maxBytesPerSend?: number } = {},
) {
  const bus = await createKafkaBus({
    common: extra.common ?? createTestCommon(),
    brokers: broker.brokers,
    topicPrefix: `${prefix}.`,
    groupPrefix: `${prefix}.`,
    partitions: extra.partitions ?? 3,
    recordsPerMessage: extra.recordsPerMessage ?? 256,
    ...(extra.maxBytesPerSend ? { maxBytesPerSend: extra.maxBytesPerSend } : {}),
    // the broker's minimum: a killed member's partitions move on after 6 s
    sessionTimeoutMs: 6_000,
  });
  buses.push(bus);
  return bus;
}

function heartbeat(chainId: number, n: number): FlowMessage {
  return {
    type: 'heartbeat',
    chain: `c${chainId}`,
    chain_id: chainId,
    head: n,
    cursor: n,
    cursor_time: 0,
    rpc_failures: 0,
    last_error: '',
    at: 1_700_000_000_000,
  };
}

/** A flows handler that lists the heartbeat cursors it gets per chain, in the order it gets them. */
function heartbeatsByChain() {
  const seen = new Map<number, number[]>();
  let count = 0;
  const handler = async (rs: BusRecord<FlowMessage>[]) => {
    for (const r of rs) {
      if (r.value.type !== 'heartbeat') continue;
      const list = seen.get(r.value.chain_id) ?? [];
      list.push(r.value.cursor);
      seen.set(r.value.chain_id, list);
      count++;
    }
  };
  return { seen, total: () => count, handler };
}

function alert(i: number): Alert {
  return {
    alert_id: `a${i}`,
    rule: 'sanctioned_mixer_deposit',
    severity: 'high',
    chain: 'ethereum',
    block_time: 1_700_000_000,
    tx_hash: `0x${'ab'.repeat(32)}`,
    address: `0x${'cd'.repeat(20)}`,
    service: 'tornado',
    amount: '100000000000000000000',
    title: `alert ${i}`,
    details: { i },
    created_at: 1_700_000_000_000,
  };
}

/** Resolves when `pred` holds, polling every 50 ms; fails after `ms`. */
async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function committed(prefix: string, group: string, topic: string): Promise<number> {
  const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const res = await admin.fetchOffsets({ groupId: `${prefix}.${group}`, topics: [`${prefix}.${topic}`] });
    return res.flatMap((t) => t.partitions).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('kafka bus', { timeout: 480_000 }, () => {
  test('creates the contract topics with the configured partitions; every group sees every record', async () => {
    const prefix = randomName('t1');
    const bus = await makeBus(prefix, { partitions: 4 });
    const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({
      topics: [`${prefix}.mixwatch.flows.v1`, `${prefix}.mixwatch.alerts.v1`, `${prefix}.mixwatch.dlq.v1`],
    });
    await admin.disconnect();
    assert.deepEqual(
      meta.topics.map((t) => t.partitions.length),
      [4, 4, 4],
    );

    const sink: Alert[] = [];
    const notify: Alert[] = [];
    await bus.subscribe('mixwatch.alerts.v1', 'sink', async (rs) => void sink.push(...rs.map((r) => r.value)));
    await bus.subscribe('mixwatch.alerts.v1', 'notify', async (rs) => void notify.push(...rs.map((r) => r.value)));
    const alerts = Array.from({ length: 50 }, (_, i) => alert(i));
    await bus.publish(
      'mixwatch.alerts.v1',
      alerts.map((a) => ({ key: a.alert_id, value: a })),
    );
    await until(() => sink.length >= 50 && notify.length >= 50, 30_000, 'both groups to get 50 alerts');
    const byId = (xs: Alert[]) => [...xs].sort((a, b) => Number(a.alert_id.slice(1)) - Number(b.alert_id.slice(1)));
    assert.deepEqual(byId(sink), alerts);
    assert.deepEqual(byId(notify), alerts);
    await until(async () => (await committed(prefix, 'sink', 'mixwatch.alerts.v1')) === 50, 10_000, 'sink offsets committed');
    assert.equal(bus.health().ready, true);
  });

  test('keeps the order of each key across partitions', async () => {
    const prefix = randomName('t2');
    const bus = await makeBus(prefix, { partitions: 6 });
    const { seen, total, handler } = heartbeatsByChain();
    await bus.subscribe('mixwatch.flows.v1', 'sink', handler, { maxBatch: 97 });
    const chains = 12;
    const perChain = 400;
    // Interleaved publishes of all chains, in several calls: the order within a chain must survive.
    for (let round = 0; round < 8; round++) {
      const recs: BusRecord<FlowMessage>[] = [];
      for (let i = round * (perChain / 8); i < (round + 1) * (perChain / 8); i++) {
        for (let c = 1; c <= chains; c++) recs.push({ key: String(c), value: heartbeat(c, i) });
      }
      await bus.publish('mixwatch.flows.v1', recs);
    }
    await until(() => total() >= chains * perChain, 60_000, 'all records');
    assert.equal(seen.size, chains);
    for (const [c, list] of seen) assert.deepEqual(list, [...Array(perChain).keys()], `chain ${c} in order`);
  });

  test('one large publish goes out as many requests while it is encoded: every key in order, invalid records dead-lettered', async () => {
    const prefix = randomName('t7');
    const common = createTestCommon();
    // 200 kB requests: 12 000 heartbeats of 5 keys (~2.4 MB) go out as a couple dozen of them.
    const bus = await makeBus(prefix, { partitions: 3, recordsPerMessage: 64, maxBytesPerSend: 200_000, common });
    const { seen, total, handler } = heartbeatsByChain();
    await bus.subscribe('mixwatch.flows.v1', 'sink', handler);
    const dead: DeadLetter[] = [];
    await bus.subscribe('mixwatch.dlq.v1', 'sink', async (rs) => void dead.push(...rs.map((r) => r.value)));
    const perKey = 2_400;
    const recs: BusRecord<FlowMessage>[] = [];
    for (let i = 0; i < perKey; i++) {
      for (let c = 1; c <= 5; c++) recs.push({ key: String(c), value: heartbeat(c, i) });
      // every 1 000th step an invalid record (refused on produce) between the valid ones
      if (i % 1_000 === 999) recs.push({ key: '1', value: { ...heartbeat(1, i), chain_id: 0 } as FlowMessage });
    }
    await bus.publish('mixwatch.flows.v1', recs);
    await until(() => total() >= 5 * perKey && dead.length >= 2, 60_000, 'all records and dead letters');
    for (let c = 1; c <= 5; c++) assert.deepEqual(seen.get(c), [...Array(perKey).keys()], `key ${c} in order`);
    assert.equal(total(), 5 * perKey);
    assert.equal(dead.length, 2);
    assert.ok(dead.every((d) => /chain_id must be >= 1/.test(d.reason)));
    const published = (await common.metrics.busPublished.get()).values.find((v) => v.labels.topic === 'mixwatch.flows.v1');
    assert.equal(published?.value, 5 * perKey);
  });

  test('a topic created elsewhere with the 1 MiB limit: large publishes are split, in order', async () => {
    const prefix = randomName('t6');
    const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: `${prefix}.mixwatch.flows.v1`, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1048588' }] },
      ],
    });
    await admin.disconnect();
    const bus = await makeBus(prefix, { partitions: 1, recordsPerMessage: 1 });
    const got: number[] = [];
    await bus.subscribe('mixwatch.flows.v1', 'sink', async (rs) => {
      for (const r of rs) if (r.value.type === 'heartbeat') got.push(r.value.cursor);
    });
    const n = 12_000; // ~2.4 MB in one partition: over the topic's limit in one request
    await bus.publish(
      'mixwatch.flows.v1',
      Array.from({ length: n }, (_, i) => ({ key: '1', value: heartbeat(1, i) })),
    );
    await until(() => got.length >= n, 60_000, 'all records');
    assert.deepEqual(got, [...Array(n).keys()]);
  });

  test('a throwing handler gets the same records again and the offsets move only after it resolved', async () => {
    const prefix = randomName('t3');
    // One record per Kafka message, so that committed offsets count records.
    const bus = await makeBus(prefix, { partitions: 1, recordsPerMessage: 1 });
    let calls = 0;
    const delivered: number[] = [];
    await bus.subscribe('mixwatch.flows.v1', 'sink', async (rs) => {
      calls++;
      if (calls <= 2) throw new Error(`store down (attempt ${calls})`);
      for (const r of rs) if (r.value.type === 'heartbeat') delivered.push(r.value.cursor);
    });
    await bus.publish(
      'mixwatch.flows.v1',
      Array.from({ length: 20 }, (_, i) => ({ key: '1', value: heartbeat(1, i) })),
    );
    await until(() => delivered.length >= 20, 30_000, 'redelivery after failures');
    assert.ok(calls >= 3);
    assert.deepEqual(delivered, [...Array(20).keys()]);
    await until(async () => (await committed(prefix, 'sink', 'mixwatch.flows.v1')) === 20, 10_000, 'offsets committed');
  });

  test('kill -9 of a consumer in the middle of a batch: the batch is delivered again, handled batches are not', async () => {
    const prefix = randomName('t4');
    const bus = await makeBus(prefix, { partitions: 1, recordsPerMessage: 1 });
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'consume-child.ts')], {
      env: { ...process.env, BROKERS: broker.brokers.join(','), PREFIX: `${prefix}.`, GROUP: `${prefix}.sink`, HANG_FROM: '100' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await until(() => out.includes('subscribed'), 60_000, 'child consumer subscribed');
      await bus.publish(
        'mixwatch.flows.v1',
        Array.from({ length: 100 }, (_, i) => ({ key: '1', value: heartbeat(1, i) })),
      );
      await until(() => out.includes('handled 99'), 30_000, 'child handled the first 100');
      // The child's group id is `${prefix}.sink` with no group prefix of its own; ours adds `${prefix}.`.
      await until(async () => (await committed(prefix, 'sink', 'mixwatch.flows.v1')) === 100, 10_000, 'first 100 committed');
      await bus.publish(
        'mixwatch.flows.v1',
        Array.from({ length: 100 }, (_, i) => ({ key: '1', value: heartbeat(1, 100 + i) })),
      );
      await until(() => out.includes('hang'), 30_000, 'child in the middle of the second batch');
      assert.equal(await committed(prefix, 'sink', 'mixwatch.flows.v1'), 100, 'nothing committed while the handler runs');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const again: number[] = [];
    await bus.subscribe('mixwatch.flows.v1', 'sink', async (rs) => {
      for (const r of rs) if (r.value.type === 'heartbeat') again.push(r.value.cursor);
    });
    await until(() => again.length >= 100, 60_000, 'redelivery to the next member');
    assert.deepEqual(
      again,
      Array.from({ length: 100 }, (_, i) => 100 + i),
    );
  });

  test('poison messages go to the DLQ with the reason and the consumer continues', async () => {
    const prefix = randomName('t5');
    const common = createTestCommon();
    const bus = await makeBus(prefix, { partitions: 1, common });
    const flows: number[] = [];
    const dead: DeadLetter[] = [];
    await bus.subscribe('mixwatch.flows.v1', 'sink', async (rs) => {
      for (const r of rs) if (r.value.type === 'heartbeat') flows.push(r.value.cursor);
    });
    await bus.subscribe('mixwatch.dlq.v1', 'sink', async (rs) => void dead.push(...rs.map((r) => r.value)));
    // Raw producer: what a broken or foreign producer could write.
    const raw = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    const badSchema = JSON.stringify({ ...heartbeat(1, 1), chain_id: 0 });
    await raw.send({
      topic: `${prefix}.mixwatch.flows.v1`,
      messages: [
        { key: '1', value: JSON.stringify(heartbeat(1, 0)) },
        { key: '1', value: '{not json' },
        { key: '1', value: badSchema },
        { key: '1', value: JSON.stringify(heartbeat(1, 1)) },
        // A frame (several records in one message) with one bad line: only that line is dead.
        {
          key: '1',
          value: [JSON.stringify(heartbeat(1, 2)), '{"type":"heartbeat"}', JSON.stringify(heartbeat(1, 3))].join('\n'),
          headers: { [FRAME_HEADER]: 'ndjson' },
        },
      ],
    });
    await raw.disconnect();
    // And an invalid record through the bus itself: refused on produce, dead-lettered.
    await bus.publish('mixwatch.flows.v1', [
      { key: '1', value: { type: 'retract', chain: 'c1', chain_id: 1, after_block: -5, reason: 'x' } as FlowMessage },
      { key: '1', value: heartbeat(1, 4) },
    ]);
    await until(() => flows.length >= 5 && dead.length >= 4, 30_000, 'valid flows and dead letters');
    assert.deepEqual(flows, [0, 1, 2, 3, 4]);
    const byPayload = new Map(dead.map((d) => [d.payload, d]));
    assert.equal(byPayload.get('{not json')?.stage, 'bus.validate');
    assert.match(byPayload.get('{not json')?.reason ?? '', /not JSON/);
    assert.match(byPayload.get(badSchema)?.reason ?? '', /chain_id must be >= 1/);
    assert.equal(byPayload.get(badSchema)?.chain, 'c1');
    const produced = dead.find((d) => d.payload.includes('"after_block":-5'));
    assert.match(produced?.reason ?? '', /after_block must be >= 0/);
    assert.match(byPayload.get('{"type":"heartbeat"}')?.reason ?? '', /must have required property 'chain'/);
    assert.equal(await common.metrics.dlq.get().then((m) => m.values.reduce((s, v) => s + v.value, 0)), 4);
  });

  test('an exclusive group: the first member holds every partition, the next stands by and takes over when it leaves', async () => {
    const prefix = randomName('t6');
    const first = await makeBus(prefix, { partitions: 3, recordsPerMessage: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const second = await makeBus(prefix, { partitions: 3, recordsPerMessage: 1 });
    const got = { first: [] as number[], second: [] as number[] };
    const held = { first: [] as number[], second: [] as number[] };
    for (const [name, bus] of [
      ['first', first],
      ['second', second],
    ] as const) {
      await bus.subscribe(
        'mixwatch.flows.v1',
        'detect',
        async (rs) => {
          for (const r of rs) if (r.value.type === 'heartbeat') got[name].push(r.value.cursor);
        },
        { exclusive: true, onAssignment: (n) => held[name].push(n) },
      );
    }
    await until(() => held.first.at(-1) === 3 && held.second.at(-1) === 0, 60_000, 'both members in the group');
    // Keys on every partition (three chains).
    await first.publish(
      'mixwatch.flows.v1',
      Array.from({ length: 30 }, (_, i) => ({ key: String(1 + (i % 3)), value: heartbeat(1 + (i % 3), i) })),
    );
    await until(() => got.first.length >= 30, 30_000, 'the first member to get every record');
    assert.deepEqual(
      got.first.sort((a, b) => a - b),
      [...Array(30).keys()],
    );
    assert.deepEqual(got.second, [], 'the standby gets nothing');
    assert.ok(!held.second.some((n) => n > 0), `the standby never held a partition: ${held.second.join(',')}`);
    await until(async () => (await committed(prefix, 'detect', 'mixwatch.flows.v1')) === 30, 10_000, 'first 30 committed');

    await first.close();
    await until(() => held.second.at(-1) === 3, 60_000, 'the standby to take every partition');
    await second.publish(
      'mixwatch.flows.v1',
      Array.from({ length: 30 }, (_, i) => ({ key: String(1 + (i % 3)), value: heartbeat(1 + (i % 3), 30 + i) })),
    );
    await until(() => got.second.length >= 30, 30_000, 'the new holder to get the next records');
    assert.deepEqual(
      got.second.sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => 30 + i),
      'the new holder starts at the committed offsets: nothing lost, nothing again',
    );
  });

  test('an exclusive holder back from a stall learns whether another member committed meanwhile', async () => {
    const prefix = randomName('t7');
    // The holder in its own process, so that it can be stopped (SIGSTOP) like a stalled machine.
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'consume-child.ts')], {
      env: {
        ...process.env,
        BROKERS: broker.brokers.join(','),
        PREFIX: `${prefix}.`,
        GROUP: `${prefix}.detect`,
        EXCLUSIVE: '1',
        PARTITIONS: '3',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    const exited = new Promise((r) => child.once('exit', r));
    const joins = () => [...out.matchAll(/assigned (\d+) elsewhere (\w+)/g)].map((m) => `${m[1]} ${m[2]}`);
    try {
      await until(() => joins().length === 1, 60_000, 'the holder to join');
      assert.deepEqual(joins(), ['3 false'], 'first join: holds every partition, nothing known before');
      // (the standby's joins make the holder join again too: each is checked after the last known)
      const standby = await makeBus(prefix, { partitions: 3, recordsPerMessage: 1 });
      const held: number[] = [];
      let got = 0;
      await standby.subscribe(
        'mixwatch.flows.v1',
        'detect',
        async (rs) => {
          got += rs.length;
        },
        { exclusive: true, onAssignment: (n) => held.push(n) },
      );
      await until(() => held.at(-1) === 0, 60_000, 'the standby to join');
      const publish = (from: number) =>
        standby.publish(
          'mixwatch.flows.v1',
          Array.from({ length: 30 }, (_, i) => ({ key: String(1 + (i % 3)), value: heartbeat(1 + (i % 3), from + i) })),
        );
      await publish(0);
      await until(async () => (await committed(prefix, 'detect', 'mixwatch.flows.v1')) === 30, 30_000, 'the holder to commit 30');
      assert.equal(got, 0);

      // Stalled past its session: the standby takes over and commits 30 more.
      child.kill('SIGSTOP');
      await until(() => held.at(-1) === 3, 60_000, 'the standby to take over');
      await publish(30);
      await until(async () => (await committed(prefix, 'detect', 'mixwatch.flows.v1')) === 60, 30_000, 'the standby to commit 30');
      assert.equal(got, 30);
      let before = joins().length;
      child.kill('SIGCONT');
      // Back: it joined first, so it holds every partition again, and it is told about the 30.
      await until(() => joins().length > before, 60_000, 'the holder to rejoin');
      assert.equal(joins()[before], '3 true', `joins: ${joins().join(' | ')}`);
      await until(() => held.at(-1) === 0, 30_000, 'the standby to stand by again');

      // Stalled again, but nothing is committed meanwhile: not told so.
      child.kill('SIGSTOP');
      await until(() => held.at(-1) === 3, 60_000, 'the standby to take over again');
      before = joins().length;
      child.kill('SIGCONT');
      await until(() => joins().length > before, 60_000, 'the holder to rejoin again');
      assert.equal(joins()[before], '3 false', `joins: ${joins().join(' | ')}`);
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    }
  });
});
