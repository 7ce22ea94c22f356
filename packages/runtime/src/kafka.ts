import { type Bus, createKafkaBus } from '@mixwatch/bus';
import type { Config } from '@mixwatch/config';
import { type Common, ConfigError } from '@mixwatch/core';

/**
 * Builds the Kafka bus from `config.bus.kafka` (set by `MIXWATCH_KAFKA_BROKERS` or the YAML):
 * brokers, client id, partitions and replication of the topics it creates, topic and group
 * prefixes, TLS/SASL, session timeout, partitions handled concurrently, flows per Kafka message. Waits until the cluster
 * answers and the topics exist (retrying until the shutdown signal), so a role started before its
 * broker simply waits for it.
 */
export async function createKafkaBusFromConfig(config: Config, common: Common): Promise<Bus> {
  const k = config.bus.kafka;
  if (!k) throw new ConfigError('config key bus.kafka: not set (set MIXWATCH_KAFKA_BROKERS=host:port,… to use Kafka)');
  return createKafkaBus({
    common,
    brokers: k.brokers,
    clientId: k.clientId,
    partitions: k.partitions,
    replicationFactor: k.replicationFactor,
    topicPrefix: k.topicPrefix,
    groupPrefix: k.groupPrefix,
    ssl: k.ssl,
    sasl: k.sasl,
    sessionTimeoutMs: k.sessionTimeoutMs,
    partitionsConsumedConcurrently: k.partitionsConsumedConcurrently,
    recordsPerMessage: k.recordsPerMessage,
  });
}
