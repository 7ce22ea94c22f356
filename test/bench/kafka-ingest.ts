// The ingest side of the Kafka benchmark, in its own process as in the scaled deployment (one
// process per role): decodes `flows` corpus logs with the ingest's decodeLogs into real flows
// (Tornado, USDT, bridges…) for `chains` chains, then, on "go" from stdin, publishes them per chain
// in parallel, `publishBatch` records per publish call (one poll's range), exactly as the ingest
// role does through the Kafka bus. Prints one JSON line per phase on stdout.
// Started by test/bench/kafka.ts; not meant to run by hand.
import { createInterface } from 'node:readline';
import { type BusRecord, createKafkaBus, TOPICS } from '@mixwatch/bus';
import { createTestCommon, type FlowMessage } from '@mixwatch/core';
import { decodeLogs } from '@mixwatch/ingest';
import { buildChainIndex } from '@mixwatch/registry';
import { corpusLogs, ETHEREUM, placeLogs } from './corpus.ts';

const { brokers, prefix, flows, chains, publishBatch } = JSON.parse(process.env.MIXWATCH_BENCH_INGEST ?? '{}') as {
  brokers: string[];
  prefix: string;
  flows: number;
  chains: number;
  publishBatch: number;
};

/** `n` decoded flows per chain, keyed by chain id as ingest keys them. */
function decodedFlows(): BusRecord<FlowMessage>[][] {
  const index = buildChainIndex({ chain: 'ethereum' });
  const corpus = corpusLogs({ index });
  const perChain = Math.ceil(flows / chains);
  const out: BusRecord<FlowMessage>[][] = [];
  for (let c = 0; c < chains; c++) {
    const placed = placeLogs(corpus, perChain);
    const chain = { ...ETHEREUM, name: `bench${c + 1}`, chainId: 9_000 + c };
    const { flows: decoded, deadLetters } = decodeLogs({
      index,
      chain,
      logs: placed.logs,
      txs: placed.txs,
      blockTimes: placed.blockTimes,
      formatAddress: (a) => a,
    });
    if (deadLetters.length > 0) throw new Error(`bench ingest: ${deadLetters.length} corpus logs became dead letters`);
    const key = String(chain.chainId);
    out.push(decoded.slice(0, perChain).map((flow) => ({ key, value: { type: 'flow', flow } })));
  }
  return out;
}

const common = createTestCommon();
const bus = await createKafkaBus({ common, brokers, topicPrefix: `${prefix}.`, groupPrefix: `${prefix}.`, partitions: 6 });
const batches = decodedFlows();
// Connect the idempotent producer before the clock starts: one record on the DLQ topic (the
// flows topic stays exactly the measured records).
await bus.publish(TOPICS.dlq, [
  {
    key: 'bench',
    value: {
      dlq_id: `${prefix}:warmup`,
      stage: 'bench.warmup',
      reason: 'connects the producer before the measurement',
      chain: 'bench',
      chain_id: 0,
      block_number: 0,
      tx_hash: '',
      log_index: 0,
      payload: '{}',
      created_at: Date.now(),
    },
  },
]);
const total = batches.reduce((s, b) => s + b.length, 0);
console.log(JSON.stringify({ phase: 'ready', flows: total }));
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    batches.map(async (records) => {
      for (let i = 0; i < records.length; i += publishBatch) await bus.publish(TOPICS.flows, records.slice(i, i + publishBatch));
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const accepted = (await common.metrics.busPublished.get()).values
    .filter((v) => v.labels.topic === TOPICS.flows)
    .reduce((sum, v) => sum + v.value, 0);
  console.log(JSON.stringify({ phase: 'published', ms: performance.now() - t0, cpu_us: cpu.user + cpu.system, accepted }));
  break;
}
await bus.close();
process.exit(0);
