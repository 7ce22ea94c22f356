import { type Bus, createMemoryBus } from '@mixwatch/bus';
import type { Config } from '@mixwatch/config';
import type { Common } from '@mixwatch/core';
import { createStore, type Store } from '@mixwatch/store';

/**
 * The bus for the configuration: Kafka when `bus.kafka` is set (MIXWATCH_KAFKA_BROKERS),
 * the in-process bus otherwise. One of the two places that know which deployment this is.
 */
export async function createBusFromConfig(config: Config, common: Common): Promise<Bus> {
  if (config.bus.kafka) {
    const { createKafkaBusFromConfig } = await import('./kafka.ts');
    return createKafkaBusFromConfig(config, common);
  }
  return createMemoryBus({ common, capacity: config.bus.memoryCapacity });
}

/**
 * The store for the configuration: a ClickHouse server over HTTP when `store.url` is set
 * (MIXWATCH_CLICKHOUSE_URL), embedded chDB in `dataDir` otherwise. The other place that knows.
 */
export async function createStoreFromConfig(config: Config, common: Common): Promise<Store> {
  return createStore({
    common,
    url: config.store.url,
    username: config.store.username,
    password: config.store.password,
    dataDir: config.dataDir,
  });
}

/** One line saying which bus the config selects and whether it answers (for `mixwatch doctor`). */
export async function probeBus(config: Config, _common: Common): Promise<string> {
  if (!config.bus.kafka) return 'embedded in-process bus';
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: 'mixwatch-doctor',
    brokers: config.bus.kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 1 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    const ours = topics.filter((t) => t.includes('mixwatch.'));
    return `Kafka ${config.bus.kafka.brokers.join(',')}: reachable, ${ours.length} mixwatch topic(s)`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
