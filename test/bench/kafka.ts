// Benchmark (not a test): flows per second through publish → Kafka → the real sink role writing
// into ClickHouse (chDB), on this machine, with a real single-node broker. Called by the bench
// runner (`npm run bench -- kafka`); runnable alone: `node --import tsx test/bench/kafka.ts`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusRecord, createKafkaBus, type KafkaBus, TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import { type Common, createTestCommon, type Flow, type FlowMessage } from '@mixwatch/core';
import { startSink } from '@mixwatch/sink';
import { createStore } from '@mixwatch/store';
import { randomName, startKafka } from '../helpers/kafka.ts';

/** One measured number. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

/** Options of {@link benchKafka}. */
export interface BenchKafkaParameters {
  /** Flows to push through. Default 400_000 (env MIXWATCH_BENCH_KAFKA_FLOWS). */
  flows?: number;
  /** Chains (= keys = busy partitions of flows.v1). Default 4. */
  chains?: number;
  /** Records per `publish` call, as ingest publishes one poll's range at a time. Default 10_000. */
  publishBatch?: number;
}

/** CPU time (user + system, ms) the broker JVM has used so far, from /proc (Linux). */
function jvmCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

const hex = (bytes: number) => `0x${randomBytes(bytes).toString('hex')}`;

function makeFlows(n: number, chains: number): BusRecord<FlowMessage>[][] {
  const perChain: BusRecord<FlowMessage>[][] = Array.from({ length: chains }, () => []);
  const contract = hex(20);
  for (let i = 0; i < n; i++) {
    const chainId = (i % chains) + 1;
    const block = Math.floor(i / chains / 50);
    const tx = hex(32);
    const flow: Flow = {
      flow_id: `${chainId}:${tx}:${i % 50}:0`,
      chain: `chain${chainId}`,
      chain_id: chainId,
      block_number: 18_000_000 + block,
      block_time: 1_700_000_000 + block * 12,
      block_hash: hex(32),
      tx_hash: tx,
      log_index: i % 50,
      sub_index: 0,
      contract,
      event: 'Transfer',
      service: 'usdt',
      category: 'stablecoin',
      action: 'transfer',
      from_address: hex(20),
      to_address: hex(20),
      tx_from: '',
      token: contract,
      token_symbol: 'USDT',
      amount: String(1_000_000 + i),
      decimals: 6,
      counterparty_chain: '',
      bridge_ref: '',
      extra: {},
    };
    perChain[chainId - 1]?.push({ key: String(chainId), value: { type: 'flow', flow } });
  }
  return perChain;
}

/**
 * Measures, with a real broker (KRaft, 6 partitions; flows framed 256 per Kafka message, the
 * default) on this machine:
 * - `kafka.bus`: flows/s from the first publish until a consumer group has validated and committed
 *   every flow (the transport alone: publish → Kafka → consume → commit);
 * - `kafka.publish`: flows/s accepted by Kafka (`acks=-1`, idempotent producer) in that run;
 * - `kafka.end_to_end`: flows/s from the first publish until the real sink role has written every
 *   flow into ClickHouse (chDB) and committed (publish → Kafka → sink → ClickHouse);
 * - `kafka.broker_cold_start`: ms from spawning the JVM to a broker answering Metadata;
 * - `*.node_cpu`, `*.broker_cpu`: CPU time per flow of this process and of the broker JVM, which
 *   tell a run starved by other load on the machine from a slow one.
 * One unmeasured run first warms the broker's JIT. Publishers run one per chain, in parallel, as
 * ingest does.
 */
export async function benchKafka(parameters: BenchKafkaParameters = {}): Promise<BenchResult[]> {
  const total = parameters.flows ?? Number(process.env.MIXWATCH_BENCH_KAFKA_FLOWS ?? 400_000);
  const chains = parameters.chains ?? 4;
  const publishBatch = parameters.publishBatch ?? 10_000;
  const broker = await startKafka({ heapMb: 1024, fastStart: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'mixwatch-bench-kafka-'));
  const store = await createStore({ common: createTestCommon(), dataDir });
  await store.migrate();
  const results: BenchResult[] = [];

  /** One run on fresh topics: publishes `total` flows and waits until `consumed()` reaches them. */
  async function run(name: string, attach: (bus: KafkaBus, common: Common) => Promise<() => Promise<number>>, count = total) {
    const common = createTestCommon();
    const prefix = randomName('bench');
    const options = { common, brokers: broker.brokers, topicPrefix: `${prefix}.`, groupPrefix: `${prefix}.`, partitions: 6 };
    const producerBus = await createKafkaBus(options);
    const consumerBus = await createKafkaBus(options);
    try {
      const batches = makeFlows(count, chains);
      const consumed = await attach(consumerBus, common);
      const cpu0 = process.cpuUsage();
      const jvm0 = jvmCpuMs(broker.pid);
      const t0 = performance.now();
      await Promise.all(
        batches.map(async (records) => {
          for (let i = 0; i < records.length; i += publishBatch)
            await producerBus.publish(TOPICS.flows, records.slice(i, i + publishBatch));
        }),
      );
      const published = performance.now() - t0;
      while ((await consumed()) < count) await new Promise((r) => setTimeout(r, 20));
      const done = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      results.push({ name, value: Math.round(count / (done / 1000)), unit: 'flows/s' });
      // CPU per flow, to tell a starved run (other load on the machine) from a slow one.
      results.push({ name: `${name}.node_cpu`, value: Math.round(((cpu.user + cpu.system) / count) * 10) / 10, unit: 'us/flow' });
      results.push({
        name: `${name}.broker_cpu`,
        value: Math.round(((jvmCpuMs(broker.pid) - jvm0) * 1000 * 10) / count) / 10,
        unit: 'us/flow',
      });
      return { published };
    } finally {
      await consumerBus.close();
      await producerBus.close();
    }
  }

  const consumedBy = (common: Common) => async () =>
    (await common.metrics.busConsumed.get()).values.filter((v) => v.labels.topic === TOPICS.flows).reduce((s, v) => s + v.value, 0);
  try {
    // A fresh JVM spends its first seconds JIT-compiling the broker: warm it up, do not count it.
    await run(
      'kafka.warmup',
      async (bus, common) => {
        await bus.subscribe(TOPICS.flows, 'sink', async () => {}, { maxBatch: 50_000 });
        return consumedBy(common);
      },
      Math.min(total, 100_000),
    );
    results.length = 0;
    const transport = await run('kafka.bus', async (bus, common) => {
      await bus.subscribe(TOPICS.flows, 'sink', async () => {}, { maxBatch: 50_000 });
      return consumedBy(common);
    });
    results.push({ name: 'kafka.publish', value: Math.round(total / (transport.published / 1000)), unit: 'flows/s' });
    await run('kafka.end_to_end', async (bus, common) => {
      const config = parseConfig({ dataDir, bus: { kafka: { brokers: broker.brokers } } });
      await startSink({ config, common, bus, store });
      return consumedBy(common);
    });
    const rows = await store.query<{ c: string }>('SELECT count() AS c FROM mixwatch.flows');
    if (Number(rows[0]?.c) < total) throw new Error(`bench: only ${rows[0]?.c} of ${total} flows stored`);
    results.push({ name: 'kafka.broker_cold_start', value: broker.startMs, unit: 'ms' });
    return results;
  } finally {
    await store.close();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchKafka()) console.log(`${r.name}\t${r.value}\t${r.unit}`);
}
