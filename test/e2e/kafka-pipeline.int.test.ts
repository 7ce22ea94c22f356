// The scaled deployment end to end: a replayed anvil chain (recorded Tornado Cash 100 ETH pool and
// Tether events at their real addresses) goes through `mixwatch run --roles ingest` and
// `mixwatch run --roles sink` as separate processes connected by a real Apache Kafka broker, into
// ClickHouse (chDB). The rows must equal what the embedded mode stores from the same chain, also
// when a role is killed with SIGKILL in the middle of the stream and started again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FRAME_HEADER } from '@mixwatch/bus';
import {
  ADDR,
  type Anvil,
  type ChildDaemon,
  emitLog,
  headNumber,
  mine,
  runCli,
  spawnDaemon,
  startAnvil,
  startInProcess,
  tempDir,
  testConfig,
  tornadoCases,
  usdtBlacklist,
  usdtTransfer,
  waitFor,
} from '@mixwatch/test/helpers';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaTestBroker, randomName, startKafka } from '../helpers/kafka.ts';

const FLOW_COLUMNS = 'SELECT * EXCEPT (ingested_at) FROM mixwatch.flows FINAL ORDER BY flow_id';

describe('scaled pipeline: anvil replay → ingest → Kafka → sink → ClickHouse', { timeout: 600_000 }, () => {
  let anvil: Anvil;
  let kafka: KafkaTestBroker;
  let expected = 0;
  let embeddedRows: string[] = [];
  const dirs: Array<{ remove: () => void }> = [];
  const children: ChildDaemon[] = [];

  before(async () => {
    [anvil, kafka] = await Promise.all([startAnvil({ chainId: 1, timestamp: 1_577_000_000 }), startKafka()]);
    console.log(`# kafka cold start ${kafka.startMs} ms`);
    const cases = tornadoCases({ deposits: 30, withdrawals: 20 });
    for (const c of cases) await emitLog(anvil, c.log);
    const sanctioned = '0x098b716b8aaf21512996dc57eb0615e2383e2f96';
    const usdt = [usdtTransfer(ADDR.harmonyExploiter, sanctioned, 1_234_567_890n), usdtBlacklist('added', sanctioned)];
    for (const [i, l] of usdt.entries()) await emitLog(anvil, { ...l, timestamp: 1_600_000_000 + i });
    await mine(anvil, 3);
    expected = cases.length + usdt.length;

    // The reference: the embedded default on the same chain.
    const tmp = tempDir();
    dirs.push(tmp);
    const head = await headNumber(anvil);
    const { daemon, query } = await startInProcess(testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: anvil.url } } }), [
      'ingest',
      'sink',
    ]);
    try {
      await waitFor(
        'embedded cursor at the confirmed head',
        async () => {
          const rows = await query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'live:1'");
          return rows[0] && Number(rows[0].block) >= head - 2;
        },
        60_000,
      );
      embeddedRows = (await query<Record<string, unknown>>(FLOW_COLUMNS)).map((r) => JSON.stringify(r));
    } finally {
      await daemon.stop();
    }
    assert.equal(embeddedRows.length, expected, 'the embedded reference stored every replayed event');
  });

  after(async () => {
    for (const c of children) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
    await anvil?.stop();
    await kafka?.stop();
    for (const d of dirs) d.remove();
  });

  /** Configs of one scaled run: separate data folders (one chDB per process), shared topics. */
  function scaledRun(options: { slow?: boolean } = {}) {
    const prefix = randomName('e2e');
    const bus = {
      kafka: { brokers: kafka.brokers, topicPrefix: `${prefix}.`, groupPrefix: `${prefix}.`, partitions: 3, sessionTimeoutMs: 6_000 },
    };
    // slow: few RPC requests per second and 2-block ranges, so that the stream lasts long enough
    // to kill a role in the middle of it.
    const chain = options.slow ? { url: anvil.url, maxLogRange: 2, rpcRequestsPerSecond: 6, rpcConcurrency: 1 } : { url: anvil.url };
    const ingestDir = tempDir();
    const sinkDir = tempDir();
    dirs.push(ingestDir, sinkDir);
    return {
      prefix,
      ingest: testConfig({ dataDir: ingestDir.dir, chains: { ethereum: chain }, extra: { bus } }),
      sink: testConfig({ dataDir: sinkDir.dir, chains: { ethereum: chain }, extra: { bus } }),
      sinkDir: sinkDir.dir,
    };
  }

  function start(raw: Record<string, unknown>, role: string): ChildDaemon {
    const child = spawnDaemon(raw, { args: ['--roles', role] });
    children.push(child);
    return child;
  }

  async function kill9(child: ChildDaemon) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }

  /**
   * Watches the flows topic as its own consumer group: which flows ingest has published, and the
   * last offset holding a flow per partition.
   */
  async function observe(prefix: string) {
    const flows = new Set<string>();
    const lastFlowOffset = new Map<number, number>();
    const topic = `${prefix}.mixwatch.flows.v1`;
    // The roles create the topics when they start.
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await waitFor(`topic ${topic}`, async () => (await admin.listTopics()).includes(topic), 240_000, 200);
    await admin.disconnect();
    const consumer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `${prefix}.observer` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}.mixwatch.flows.v1`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        // A message is one JSON document, or an NDJSON frame of several (header mixwatch-frame).
        const text = String(message.value);
        const docs = message.headers?.[FRAME_HEADER] ? text.split('\n') : [text];
        for (const d of docs) {
          const m = JSON.parse(d);
          if (m.type !== 'flow') continue;
          flows.add(m.flow.flow_id);
          lastFlowOffset.set(partition, Math.max(lastFlowOffset.get(partition) ?? -1, Number(message.offset)));
        }
      },
    });
    return { flows, lastFlowOffset, stop: () => consumer.disconnect() };
  }

  /** Committed offsets of a group on the flows topic, by partition. */
  async function committed(prefix: string, group: string): Promise<Map<number, number>> {
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const res = await admin.fetchOffsets({ groupId: `${prefix}.${group}`, topics: [`${prefix}.mixwatch.flows.v1`] });
      return new Map(res.flatMap((t) => t.partitions).map((p) => [p.partition, Number(p.offset)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** True when the sink group committed past every flow the observer saw, and ingest published them all. */
  async function sinkCaughtUp(prefix: string, obs: Awaited<ReturnType<typeof observe>>) {
    if (obs.flows.size < expected) return false;
    const c = await committed(prefix, 'sink');
    return [...obs.lastFlowOffset].every(([p, o]) => (c.get(p) ?? -1) > o);
  }

  /** Flows the sink committed so far (offsets committed below the last flow offset = mid-stream). */
  async function sinkMidStream(prefix: string, obs: Awaited<ReturnType<typeof observe>>) {
    const c = await committed(prefix, 'sink');
    const some = [...c.values()].some((o) => o > 0);
    const notAll = obs.flows.size < expected || [...obs.lastFlowOffset].some(([p, o]) => (c.get(p) ?? -1) <= o);
    return some && notAll;
  }

  /** The sink's rows, read with `mixwatch sql` after the sink process has stopped (chDB: one process per folder). */
  async function sinkRows(child: ChildDaemon): Promise<string[]> {
    child.proc.kill('SIGTERM');
    await child.exited;
    const r = await runCli(['sql', FLOW_COLUMNS, '--format', 'JSONEachRow', '--config', child.configFile], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.stringify(JSON.parse(l)));
  }

  it('stores exactly the rows of the embedded mode', async () => {
    const run = scaledRun();
    const sink = start(run.sink, 'sink');
    const ingest = start(run.ingest, 'ingest');
    const obs = await observe(run.prefix);
    try {
      await waitFor('the sink to commit every flow', () => sinkCaughtUp(run.prefix, obs), 180_000, 200);
    } finally {
      await obs.stop();
    }
    await kill9(ingest);
    const rows = await sinkRows(sink);
    assert.equal(rows.length, expected);
    assert.deepEqual(rows, embeddedRows);
  });

  it('kill -9 of the sink in the middle of the stream: after a restart no flow is lost or duplicated', async () => {
    const run = scaledRun({ slow: true });
    let sink = start(run.sink, 'sink');
    const ingest = start(run.ingest, 'ingest');
    const obs = await observe(run.prefix);
    try {
      await waitFor('the sink to commit part of the stream', () => sinkMidStream(run.prefix, obs), 120_000, 50);
      const seen = obs.flows.size;
      await kill9(sink);
      const t0 = Date.now();
      sink = start(run.sink, 'sink');
      await waitFor('the restarted sink to commit every flow', () => sinkCaughtUp(run.prefix, obs), 180_000, 200);
      console.log(`# sink killed with ${seen}/${expected} flows published; caught up ${Date.now() - t0} ms after the restart`);
    } finally {
      await obs.stop();
    }
    await kill9(ingest);
    const rows = await sinkRows(sink);
    assert.deepEqual(rows, embeddedRows);
  });

  it('kill -9 of ingest in the middle of the stream: after a restart no flow is lost or duplicated', async () => {
    const run = scaledRun({ slow: true });
    const sink = start(run.sink, 'sink');
    let ingest = start(run.ingest, 'ingest');
    const obs = await observe(run.prefix);
    try {
      await waitFor('ingest to publish part of the stream', async () => obs.flows.size > 5, 120_000, 50);
      const seen = obs.flows.size;
      await kill9(ingest);
      assert.ok(seen < expected, `the kill happens mid-stream (${seen} of ${expected} flows published)`);
      const t0 = Date.now();
      ingest = start(run.ingest, 'ingest');
      await waitFor('the sink to commit every flow', () => sinkCaughtUp(run.prefix, obs), 180_000, 200);
      console.log(`# ingest killed with ${seen}/${expected} flows published; all committed ${Date.now() - t0} ms after the restart`);
    } finally {
      await obs.stop();
    }
    await kill9(ingest);
    const rows = await sinkRows(sink);
    assert.deepEqual(rows, embeddedRows);
  });
});
