// Benchmark (not a test): flows per second through ingest → Kafka → the real sink role writing
// into ClickHouse (chDB), on this machine, with a real single-node broker. Called by the bench
// runner (`npm run bench -- kafka`); runnable alone: `node --import tsx test/bench/kafka.ts`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createKafkaBus, type KafkaBus, TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import { type Common, createTestCommon } from '@mixwatch/core';
import { startSink } from '@mixwatch/sink';
import { createStore } from '@mixwatch/store';
import { randomName, startKafka } from '../helpers/kafka.ts';

const here = dirname(fileURLToPath(import.meta.url));

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

/**
 * Measures, with a real broker (KRaft, 6 partitions; flows framed 64 per Kafka message, the
 * default) on this machine, the roles in separate processes as deployed: the ingest process
 * (`kafka-ingest.ts`: the corpus decoded by the ingest's decodeLogs into real flows for 4 chains,
 * published per chain in parallel, 10 000 records per publish as one poll's range) and this
 * process as the consumer:
 * - `kafka.bus`: flows/s from "go" to the ingest process until a consumer group here has
 *   validated and committed every flow (the transport alone: publish → Kafka → consume → commit);
 * - `kafka.publish`: flows/s accepted by Kafka (`acks=-1`, idempotent producer) in that run;
 * - `kafka.end_to_end`: flows/s from "go" until the real sink role here has written every flow
 *   into ClickHouse (chDB) and committed (ingest → Kafka → sink → ClickHouse);
 * - `kafka.broker_cold_start`: ms from spawning the JVM to a broker answering Metadata;
 * - `*.ingest_cpu`, `*.consumer_cpu`, `*.broker_cpu`: CPU time per flow of each process, which
 *   tell a run starved by other load on the machine from a slow one.
 * Decoding and connecting happen before the clock starts. One unmeasured run first warms the
 * broker's JIT.
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

  /** The ingest process (test/bench/kafka-ingest.ts) for one run: decodes, connects, then publishes on "go". */
  async function startIngest(prefix: string, count: number) {
    // MIXWATCH_BENCH_CPU_PROF=<dir>: a CPU profile of the ingest process (node --cpu-prof).
    const prof = process.env.MIXWATCH_BENCH_CPU_PROF;
    const flags = ['--max-semi-space-size=64', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), '--import', 'tsx'];
    const child = spawn(process.execPath, [...flags, join(here, 'kafka-ingest.ts')], {
      env: {
        ...process.env,
        MIXWATCH_BENCH_INGEST: JSON.stringify({ brokers: broker.brokers, prefix, flows: count, chains, publishBatch }),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err = (err + String(d)).slice(-4000);
    });
    // Phase lines as they come (one reader for the whole run: leaving a `for await` would close it).
    const seen: Array<Record<string, number> & { phase?: string }> = [];
    let wake = () => {};
    let ended = false;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        seen.push(JSON.parse(line));
      } catch {
        // a log line
      }
      wake();
    });
    lines.once('close', () => {
      ended = true;
      wake();
    });
    const next = async (phase: string) => {
      for (;;) {
        const m = seen.find((x) => x.phase === phase);
        if (m) return m;
        if (ended) throw new Error(`bench ingest process ended before "${phase}": ${err}`);
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    };
    const ready = await next('ready');
    if (ready.flows !== count) throw new Error(`bench ingest prepared ${ready.flows} flows, wanted ${count}`);
    return {
      pid: child.pid ?? 0,
      go: () => child.stdin.write('go\n'),
      published: () => next('published'),
      exited: new Promise((r) => child.once('exit', r)),
    };
  }

  /**
   * One run on fresh topics: the ingest process publishes `count` decoded flows; waits until
   * `consumed()` (this process: consumer group, or the sink role) reaches them.
   */
  async function run(name: string, attach: (bus: KafkaBus, common: Common) => Promise<() => Promise<number>>, count = total) {
    const common = createTestCommon();
    const prefix = randomName('bench');
    const consumerBus = await createKafkaBus({
      common,
      brokers: broker.brokers,
      topicPrefix: `${prefix}.`,
      groupPrefix: `${prefix}.`,
      partitions: 6,
    });
    try {
      const consumed = await attach(consumerBus, common);
      const ingest = await startIngest(prefix, count);
      const cpu0 = process.cpuUsage();
      const jvm0 = jvmCpuMs(broker.pid);
      const t0 = performance.now();
      ingest.go();
      const published = await ingest.published();
      if (published.accepted !== count)
        throw new Error(`bench ${name}: the ingest process published ${published.accepted} of ${count} flows (rest refused by validation)`);
      let last = -1;
      let lastChange = performance.now();
      for (;;) {
        const n = await consumed();
        if (n >= count) break;
        if (n !== last) {
          last = n;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > 120_000) {
          throw new Error(`bench ${name}: stuck at ${n} of ${count} flows consumed for 120 s`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const done = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      await ingest.exited;
      results.push({ name, value: Math.round(count / (done / 1000)), unit: 'flows/s' });
      // CPU per flow of each process, to tell a starved run (other load on the machine) from a slow one.
      results.push({ name: `${name}.ingest_cpu`, value: Math.round(((published.cpu_us ?? 0) / count) * 10) / 10, unit: 'us/flow' });
      results.push({ name: `${name}.consumer_cpu`, value: Math.round(((cpu.user + cpu.system) / count) * 10) / 10, unit: 'us/flow' });
      results.push({
        name: `${name}.broker_cpu`,
        value: Math.round(((jvmCpuMs(broker.pid) - jvm0) * 1000 * 10) / count) / 10,
        unit: 'us/flow',
      });
      return { published: published.ms ?? Number.NaN };
    } finally {
      await consumerBus.close();
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
