import { after, before } from 'node:test';
import { createKafkaBus, type KafkaBus, TOPICS } from '@mixwatch/bus';
import { type Config, parseConfig } from '@mixwatch/config';
import type { Alert, Common, FlowMessage } from '@mixwatch/core';
import type { RoleHandle } from '@mixwatch/runtime';
import { startSink } from '@mixwatch/sink';
import { createStore, type Store } from '@mixwatch/store';
import { tempDir, testCommon } from '@mixwatch/test/helpers';
import { closingCheckpoints } from '../../../test/e2e/scenarios/index.ts';
import { type KafkaTestBroker, randomName, startKafka } from '../../../test/helpers/kafka.ts';
import { startDetect } from '../src/role.ts';

/** A real Kafka broker and one ClickHouse store (chDB, shared as a server would be) for detect replicas in this process. */
export interface ReplicaFixture {
  config(): Config;
  /** A Kafka bus of the fixture's topics and groups (closed after the suite). */
  bus(common: Common): Promise<KafkaBus>;
  /** Starts the sink over its own bus and collects every alert published on `mixwatch.alerts.v1`. */
  startSink(): Promise<{ bus: KafkaBus; alerts: Alert[] }>;
  /** Starts a detect replica (stopped after the suite unless stopped before). */
  startDetect(common: Common, bus: KafkaBus): Promise<RoleHandle>;
  readonly store: Store;
}

/**
 * Registers `before`/`after` hooks of the current suite: a broker, a migrated store, and the
 * given detect settings; roles and buses made through the fixture are stopped afterwards.
 */
export function replicaFixture(name: string, options: { partitions: number; detect?: Record<string, unknown> }): ReplicaFixture {
  let broker: KafkaTestBroker;
  let store: Store;
  const tmp = tempDir(`mixwatch-detect-${name}-`);
  const prefix = randomName(name);
  const buses: KafkaBus[] = [];
  const roles: RoleHandle[] = [];
  before(async () => {
    broker = await startKafka();
    store = await createStore({ common: testCommon(), dataDir: tmp.dir });
    await store.migrate();
  });
  after(async () => {
    for (const r of roles) await r.stop().catch(() => {});
    for (const b of buses) await b.close().catch(() => {});
    await store?.close();
    await broker?.stop();
    tmp.remove();
  });
  const config = () =>
    parseConfig({
      dataDir: tmp.dir,
      http: { port: 0 },
      chains: { ethereum: {}, tron: {} },
      bus: { kafka: { brokers: broker.brokers } },
      ...(options.detect ? { detect: options.detect } : {}),
    });
  async function bus(common: Common): Promise<KafkaBus> {
    const b = await createKafkaBus({
      common,
      brokers: broker.brokers,
      topicPrefix: `${prefix}.`,
      groupPrefix: `${prefix}.`,
      partitions: options.partitions,
      sessionTimeoutMs: 6_000,
    });
    buses.push(b);
    return b;
  }
  return {
    config,
    bus,
    get store() {
      return store;
    },
    async startSink() {
      const common = testCommon();
      const b = await bus(common);
      roles.push(await startSink({ config: config(), common, bus: b, store }));
      const alerts: Alert[] = [];
      await b.subscribe(TOPICS.alerts, 'test', async (records) => {
        for (const r of records) alerts.push(r.value);
      });
      return { bus: b, alerts };
    },
    async startDetect(common, b) {
      const role = await startDetect({ config: config(), common, bus: b, store });
      roles.push(role);
      return role;
    },
  };
}

/** Alerts raised by a replica, per rule and severity: `rule×count`, sorted. */
export async function raised(common: Common): Promise<string[]> {
  return (await common.metrics.alerts.get()).values
    .filter((v) => v.value > 0)
    .map((v) => `${v.labels.rule}×${v.value}`)
    .sort();
}

/** The messages followed by a closing checkpoint per chain, keyed by chain id as ingest publishes them. */
export function keyedWithClosing(messages: FlowMessage[]): Array<{ key: string; value: FlowMessage }> {
  return [...messages, ...closingCheckpoints(messages)].map((m) => ({
    key: String(m.type === 'flow' ? m.flow.chain_id : 'chain_id' in m ? m.chain_id : 0),
    value: m,
  }));
}
