import type { Alert, DeadLetter, FlowMessage } from '@mixwatch/core';

/** The topic contract (ARCHITECTURE §3): names are part of the public interface. */
export const TOPICS = {
  flows: 'mixwatch.flows.v1',
  alerts: 'mixwatch.alerts.v1',
  dlq: 'mixwatch.dlq.v1',
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey];

/** What each topic carries. */
export interface TopicPayloads {
  'mixwatch.flows.v1': FlowMessage;
  'mixwatch.alerts.v1': Alert;
  'mixwatch.dlq.v1': DeadLetter;
}

/**
 * One record. `key` decides ordering: records with the same key are delivered in the order
 * they were published (Kafka: same partition). flows: key = chain id (a checkpoint must follow
 * the flows it covers; a retraction must precede the re-published blocks); alerts: key = alert_id
 * (no order needed, spreads load); dlq: key = stage.
 */
export interface BusRecord<T> {
  key: string;
  value: T;
}

/** Handler of a consumer: resolve = the effect is durable, commit; throw = redeliver the batch later. */
export type BatchHandler<T> = (records: BusRecord<T>[]) => Promise<void>;

/** Options of {@link Bus.subscribe}. */
export interface SubscribeOptions {
  /** Largest batch handed to the handler. Default 10_000. */
  maxBatch?: number;
  /**
   * One member of the group at a time holds every partition of the group's topics: the member
   * that joined first (Kafka). The others stand by with no partitions and take over when it
   * leaves or its session times out. For a role whose state cannot be split by partition
   * (detect). The in-process bus has a single member anyway.
   */
  exclusive?: boolean;
  /**
   * Called after each join of the consumer group (Kafka): how many partitions of the topic this
   * member holds now. 0 = none (a standby of an exclusive group, or more members than partitions).
   * Not called by the in-process bus, whose single member always holds the whole topic.
   */
  onAssignment?: (partitions: number, assignment: Assignment) => void;
}

/** What {@link SubscribeOptions.onAssignment} learns about a join besides the partition count. */
export interface Assignment {
  /**
   * Whether another member committed offsets of the partitions this member holds now since this
   * member last held them: compares the group's committed offsets with the ones this member saw
   * at its previous join and committed itself since. True means another member handled (and
   * committed) records this member has not seen. False at the first join of the process.
   */
  committedElsewhere(): Promise<boolean>;
  /** The partitions of the topic this member holds now. */
  partitions: readonly number[];
  /** How many partitions the topic has. */
  partitionCount: number;
  /**
   * Whether this member holds the partition that records with `key` go to (the producer's
   * partitioner over the topic's partition count; in SQL: `kafkaMurmurHash(key) % partitionCount`):
   * e.g. detect asks which chains are its own.
   */
  owns(key: string): boolean;
}

/**
 * The bus both deployments share: the in-process bus (embedded default) and Kafka (scaled).
 * Consumer group = role name; every group sees every record of a topic; delivery is
 * at least once, so handlers are idempotent.
 */
export interface Bus {
  readonly kind: 'memory' | 'kafka';
  /**
   * Publishes records. Resolves when they are accepted: Kafka, acknowledged by all in-sync
   * replicas (`acks=-1`); in process, queued for every group (waits while a queue is full:
   * backpressure).
   */
  publish<N extends TopicName>(topic: N, records: BusRecord<TopicPayloads[N]>[]): Promise<void>;
  /** Starts consuming `topic` as `group`. Batches are handled one at a time per partition. */
  subscribe<N extends TopicName>(
    topic: N,
    group: string,
    handler: BatchHandler<TopicPayloads[N]>,
    options?: SubscribeOptions,
  ): Promise<void>;
  /** Stops consumers after their current batch, flushes producers. */
  close(): Promise<void>;
}
