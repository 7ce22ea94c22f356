import { type Common, type DeadLetter, describeError, sleep, withRetry } from '@mixwatch/core';
import type { Admin, Consumer, EachBatchPayload, KafkaConfig, KafkaMessage, Message, Producer, SASLOptions } from 'kafkajs';
import {
  type BatchHandler,
  type Bus,
  type BusRecord,
  type SubscribeOptions,
  TOPICS,
  type TopicName,
  type TopicPayloads,
} from '../topics.ts';
import { type BusValidator, createBusValidator, invalidMessageDeadLetter, type ValidationResult } from '../validate.ts';
import { needsProducerReset, shouldRetryKafka, toBusError } from './errors.ts';
import { exclusiveAssigner } from './exclusive.ts';
// kafkajs itself, with its record encoding sped up (see kafkajs.ts): never import it directly.
import { crcSwapped, Kafka, logLevel, Partitioners, tuningSkipped } from './kafkajs.ts';

/** Options of {@link createKafkaBus}. Defaults suit one broker on loopback and a 3-broker cluster alike. */
export interface KafkaBusParameters {
  common: Common;
  /** `host:port` bootstrap brokers. */
  brokers: string[];
  /** Client id sent to the brokers (visible in broker logs and quotas). Default `mixwatch`. */
  clientId?: string;
  /** Partitions of topics this bus creates. Default 6. Existing topics are never re-partitioned (see docs). */
  partitions?: number;
  /** Replication factor of created topics. Default 1 (dev broker); 3 in production. */
  replicationFactor?: number;
  /** Prefix of every topic name (tests use random ones). Default ''. */
  topicPrefix?: string;
  /** Prefix of every consumer group id; the rest is the role name. Default ''. */
  groupPrefix?: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  /** Partitions one consumer handles at the same time (each still one batch at a time). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Consumer session timeout in ms: a member silent this long loses its partitions. Default 30_000. */
  sessionTimeoutMs?: number;
  /**
   * Upper bound of one produce request's payload in bytes. Default 4 MiB: the producer has one
   * request in flight, so bigger requests mean fewer round trips (topics are created with
   * `max.message.bytes` 8 MiB; a topic with a smaller limit makes the bus split requests).
   */
  maxBytesPerSend?: number;
  /** Largest fetch per partition in bytes. Default {@link FETCH_MAX_BYTES} (16 MiB), also the cap of a whole fetch. */
  maxBytesPerPartition?: number;
  /** Validator of the topic contract. Default {@link createBusValidator}. */
  validator?: BusValidator;
  /** Attempts to reach the cluster at start (admin connect, topic creation). Default `Infinity` (until shutdown). */
  connectAttempts?: number;
  /**
   * Records of one key packed into one Kafka message on `flows.v1` (an NDJSON frame, see
   * {@link FRAME_HEADER}); 1 = one record per message. Default 64. kafkajs spends ~80 µs per Kafka
   * message encoding it, so one message per flow caps a producer near 12k flows/s; frames lift that.
   * Measured (Kafka bench, ingest CPU per flow / transport flows/s): 16 → 30.9 µs / 36.3k, 32 →
   * 27.5 / 38.6k, 64 → 24.0 / 44.1k, 100 → 26.4 / 41.7k, 256 → 28.8 / 38.3k: frames of ~60 kB
   * stay below V8's large-object size (128 kB), so they die young instead of costing full GCs.
   * alerts and dlq always carry one record per message (low volume, read by other tools).
   */
  recordsPerMessage?: number;
}

/**
 * Header marking a framed message: value = `ndjson`, the message value is several records of one
 * key, one JSON document per line (`\n`-separated; JSON text never holds a raw newline), in
 * publish order. Each line is validated against the topic's schema on its own. Messages without
 * the header hold exactly one JSON document.
 */
export const FRAME_HEADER = 'mixwatch-frame';

/**
 * Default cap of one fetch, per partition and in all. A partition's fetch is one handler call and,
 * for the sink, one insert: 16 MiB is ~17k flows, half as many parts (and merges) in ClickHouse as
 * 8 MiB. kafkajs joins each fetch response into one buffer; at 32 MiB and more those are fresh
 * memory maps whose page faults cost more than the copy. Kafka bench, same window (consumer CPU
 * per flow / end to end): 16+16 MiB 17.0–18.9 µs / 49.1–53.1k flows/s; 8 MiB per partition with
 * 16 MiB in all 19.4–21.0 µs / 46.5–47.4k; 8+64 MiB (before) 21.2–21.5 µs / 45.6–45.9k; 24+24 MiB
 * 18.9–19.6 µs / 48.4–49.0k.
 */
const FETCH_MAX_BYTES = 16 * 1024 * 1024;

/** What a message adds to a produce request, roughly: value, key and ~64 bytes of record overhead. */
const messageBytes = (m: Message) => (m.value as string).length + (m.key as string).length + 64;

/** Largest frame value in bytes: below V8's large-object threshold (128 kB), see `recordsPerMessage`. */
const MAX_FRAME_BYTES = 96 * 1024;

/** `max.message.bytes` of the topics this bus creates (the broker default is 1 MiB per record batch). */
const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

function isTooLarge(error: unknown): boolean {
  let e = error as { type?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** State of one consumer, for `/readyz`. */
export interface KafkaConsumerStatus {
  topic: string;
  group: string;
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  /** Messages behind the high watermark over the partitions this member holds (last seen). */
  lag: number;
}

/** The Kafka {@link Bus}, plus what operators and tests need to see. */
export interface KafkaBus extends Bus {
  readonly kind: 'kafka';
  /** The real topic name of a contract topic (prefix + name). */
  topicName(topic: TopicName): string;
  /** The real consumer group id of a role's group (prefix + name). */
  groupId(group: string): string;
  /** Consumers and their state. */
  status(): KafkaConsumerStatus[];
  /** Ready when every consumer runs (or restarts by itself) and the producer has been connected. */
  health(): { ready: boolean; detail?: string };
}

/** One consumed Kafka message: its offset, its valid records and its dead letters. */
interface Parsed {
  offset: string;
  records: BusRecord<unknown>[];
  dead: DeadLetter[];
}

interface Sub {
  topic: TopicName;
  /** Parses and validates one JSON document of this topic. */
  decode: (text: string) => ValidationResult<unknown>;
  group: string;
  handler: BatchHandler<unknown>;
  maxBatch: number;
  /** Whole group on one member at a time ({@link SubscribeOptions.exclusive}). */
  exclusive: boolean;
  onAssignment: SubscribeOptions['onAssignment'];
  member: Member;
  status: KafkaConsumerStatus;
  lagByPartition: Map<number, number>;
}

/**
 * One kafkajs consumer per group: a role subscribes one group to several topics (sink: flows,
 * alerts, dlq), and kafkajs' assignors assume every member of a group subscribes to the same
 * topics, so one member per group and process carries all of them and dispatches by topic.
 */
interface Member {
  group: string;
  consumer: Consumer | undefined;
  /** Real topic name -> subscription. */
  subs: Map<string, Sub>;
  /** Serialises (re)starts when topics are added. */
  chain: Promise<void>;
  /** Pending debounced start. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * `topic:partition` -> the committed offset as this member last knew it: read at each join,
   * then moved by its own commits. A different offset at a later join = another member committed.
   */
  known: Map<string, string>;
}

/** How long `subscribe` waits for more topics of the same group before the consumer (re)starts. */
const SUBSCRIBE_DEBOUNCE_MS = 100;

const STAGE = 'bus.validate';

/**
 * The scaled deployment's bus: Apache Kafka through kafkajs, behind the same {@link Bus}
 * contract as the in-process bus.
 *
 * - Topics `prefix + mixwatch.{flows,alerts,dlq}.v1` are created at start with the configured
 *   partitions and replication (Admin `CreateTopics`; `min.insync.replicas` = 2 when the
 *   replication factor is 3 or more, so `acks=-1` means two copies).
 * - Keys as the contract says ({@link BusRecord}): flows by chain id, because per chain a
 *   checkpoint must reach consumers after the flows it covers (the sink advances the cursor on
 *   it) and a retraction before the re-published blocks (else the sink deletes the new rows).
 *   Kafka orders only within a partition and the default murmur2 partitioner maps a key to one
 *   partition, so one key = one ordered stream; different chains spread over partitions.
 *   Alerts by alert_id (no order needed, spreads load); dead letters by stage.
 * - Producer: idempotent, `acks=-1`, one request in flight (kafkajs refuses idempotence with
 *   more). `publish` splits records into requests under `maxBytesPerSend`, sends them one after
 *   another (order kept) and retries retriable failures until shutdown: while the cluster is
 *   down, publishers wait (backpressure) instead of losing data.
 * - Consumers: group = `groupPrefix + role`, one kafkajs consumer per group carrying all its
 *   topics (started 100 ms after the last `subscribe` of the group; a new group reads from the
 *   earliest offset, so `subscribe` resolving before the group is joined loses nothing);
 *   `eachBatch` with auto-commit and auto-resolve off.
 *   A batch (one partition) is cut into chunks of `maxBatch`; after the handler resolved (the
 *   effect is durable) the chunk's offsets are resolved and committed (`OffsetCommit`), never
 *   before. A throwing handler gets the same chunk again after a backoff (at-least-once), with
 *   heartbeats going on so the member keeps its partitions; shutdown ends the wait and leaves
 *   the chunk uncommitted for the next owner.
 * - An `exclusive` group uses {@link exclusiveAssigner}: the member that joined first holds every
 *   partition, the others stand by (detect, whose state spans chains); `onAssignment` tells a
 *   role how many partitions it holds after each join.
 * - Every message is validated against `schemas/kafka` on produce and on consume; an invalid one
 *   becomes a {@link DeadLetter} on the DLQ topic (stage `bus.validate`, reason = ajv's message,
 *   payload = the raw text) and the stream goes on.
 * - `mixwatch_bus_consumer_lag_messages{topic,group}`: high watermark minus committed position,
 *   summed over the member's partitions, updated after every chunk.
 */
export async function createKafkaBus(parameters: KafkaBusParameters): Promise<KafkaBus> {
  const { common } = parameters;
  const { logger, metrics } = common;
  const prefix = parameters.topicPrefix ?? '';
  const groupPrefix = parameters.groupPrefix ?? '';
  const partitions = parameters.partitions ?? 6;
  const replicationFactor = parameters.replicationFactor ?? 1;
  const maxBytesPerSend = parameters.maxBytesPerSend ?? 4 * 1024 * 1024;
  const validator = parameters.validator ?? createBusValidator();
  const recordsPerMessage = Math.max(1, parameters.recordsPerMessage ?? 64);
  const topicName = (t: TopicName) => `${prefix}${t}`;
  const closeController = new AbortController();
  /** When this bus was made: the rank of its members in exclusive groups (first joined holds all). */
  const createdAt = Date.now();
  const closeSignal = AbortSignal.any([closeController.signal, common.signal]);
  /** Partition count of each topic, as the cluster has it (read at start). */
  const partitionCounts = new Map<string, number>();

  const kafkaLog = logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    clientId: parameters.clientId ?? 'mixwatch',
    brokers: parameters.brokers,
    ssl: parameters.ssl ?? false,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    // kafkajs' own retries are short; the bus retries on top of them until shutdown.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        const fields = { ...extra, err: extra.error };
        if (level <= logLevel.ERROR) kafkaLog.error(fields, message);
        else if (level <= logLevel.WARN) kafkaLog.warn(fields, message);
        else kafkaLog.debug(fields, message);
      },
  };
  if (parameters.sasl) config.sasl = parameters.sasl as SASLOptions;
  const kafka = new Kafka(config);
  if (tuningSkipped) logger.warn({ reason: tuningSkipped }, 'kafkajs runs without the CRC/encoder speed-ups (another kafkajs version?)');
  else if (!crcSwapped) logger.warn({}, "kafkajs was loaded before mixwatch's bus module: its slower byte-wise CRC-32C stays in use");

  const admin: Admin = kafka.admin();
  await withRetry(
    async () => {
      try {
        await admin.connect();
        await ensureTopics(admin);
      } catch (error) {
        throw toBusError(error, 'cannot reach the cluster or create topics', { brokers: parameters.brokers });
      }
    },
    {
      attempts: parameters.connectAttempts ?? Number.POSITIVE_INFINITY,
      baseDelayMs: 500,
      maxDelayMs: 10_000,
      signal: common.signal,
      onRetry: (error, attempt, delay) =>
        logger.warn({ err: describeError(error), attempt, retry_in_ms: Math.round(delay) }, 'kafka not reachable at start; retrying'),
    },
  );

  async function ensureTopics(a: Admin) {
    const wanted = Object.values(TOPICS).map(topicName);
    const existing = new Set(await a.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      const configEntries = [
        { name: 'min.insync.replicas', value: String(replicationFactor >= 3 ? 2 : 1) },
        // Room for several frames per partition in one produce request (latency-bound producer).
        { name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) },
      ];
      await a.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor, configEntries })),
      });
      logger.info({ topics: missing, partitions, replication_factor: replicationFactor }, 'created kafka topics');
    }
    const meta = await a.fetchTopicMetadata({ topics: wanted });
    for (const t of meta.topics) {
      partitionCounts.set(t.name, t.partitions.length);
      if (t.partitions.length !== partitions) {
        // Never re-partition automatically: it moves keys (chains) to other partitions and
        // breaks per-chain order for records published around the change.
        logger.warn(
          { topic: t.name, partitions: t.partitions.length, configured: partitions },
          'topic has a different partition count than configured; left as it is',
        );
      }
    }
  }

  // Producer -------------------------------------------------------------------------------------
  let producer: Producer | undefined;
  let producerReady: Promise<Producer> | undefined;
  let everConnected = false;
  const inflight = new Set<Promise<unknown>>();

  const getProducer = () => {
    producerReady ??= (async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // The idempotent producer keeps its sequence numbers across retries only with unlimited retries.
        retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
      });
      try {
        await p.connect();
      } catch (error) {
        producerReady = undefined;
        throw toBusError(error, 'producer connect failed');
      }
      producer = p;
      everConnected = true;
      return p;
    })();
    return producerReady;
  };

  async function resetProducer(reason: string) {
    const old = producer;
    producer = undefined;
    producerReady = undefined;
    logger.warn({ reason }, 'kafka producer state lost; starting a new idempotent producer');
    await old?.disconnect().catch(() => {});
  }

  /** Sends already-encoded messages to one topic, in order, in requests under maxBytesPerSend. */
  async function sendEncoded(topic: TopicName, messages: Message[]) {
    const name = topicName(topic);
    const send = async (batch: Message[]): Promise<void> => {
      try {
        await withRetry(
          async () => {
            const p = await getProducer();
            try {
              await p.send({ topic: name, acks: -1, messages: batch });
            } catch (error) {
              if (needsProducerReset(error)) await resetProducer(describeError(error));
              throw toBusError(error, `publish to ${name} failed`, { topic: name });
            }
          },
          {
            attempts: Number.POSITIVE_INFINITY,
            baseDelayMs: 200,
            maxDelayMs: 5_000,
            shouldRetry: (e) => shouldRetryKafka(e),
            signal: closeSignal,
            onRetry: (error, attempt, delay) =>
              logger.warn(
                { topic: name, attempt, retry_in_ms: Math.round(delay), err: describeError(error) },
                'kafka publish failed; retrying',
              ),
          },
        );
      } catch (error) {
        // A topic made elsewhere may keep the broker's 1 MiB batch limit: halve and go on, in order.
        if (batch.length > 1 && isTooLarge(error)) {
          logger.warn({ topic: name, messages: batch.length }, 'produce request too large for the topic; splitting it');
          const half = Math.ceil(batch.length / 2);
          await send(batch.slice(0, half));
          await send(batch.slice(half));
          return;
        }
        throw error;
      }
    };
    let chunk: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = messageBytes(m);
      if (bytes + size > maxBytesPerSend && chunk.length > 0) {
        await send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += size;
    }
    if (chunk.length > 0) await send(chunk);
  }

  function deadLetterMessages(letters: DeadLetter[]): Message[] {
    return letters.map((d) => {
      metrics.dlq.inc({ stage: d.stage, chain: d.chain });
      return { key: d.stage, value: JSON.stringify(d) };
    });
  }

  /**
   * Validates and encodes records, and sends them as they are encoded: each time about one
   * request's worth ({@link maxBytesPerSend}) is ready it goes out while the next is encoded, so
   * a large publish holds at most two requests' texts (they die young instead of being promoted
   * to V8's old space) and the encoding overlaps the broker's round trip. Requests go out one
   * after the other, in order.
   */
  async function publish<N extends TopicName>(topic: N, records: BusRecord<TopicPayloads[N]>[]) {
    if (records.length === 0) return;
    if (closeController.signal.aborted) throw toBusError(new Error('bus is closed'), `publish to ${topicName(topic)}`);
    let good: Message[] = [];
    let goodBytes = 0;
    let dead: DeadLetter[] = [];
    const perMessage = topic === TOPICS.flows ? recordsPerMessage : 1;
    const push = (m: Message) => {
      good.push(m);
      goodBytes += messageBytes(m);
    };
    // Open frame per key; a key's frames are appended to `good` in the order they fill up, so
    // per-key order holds across frames (different keys may interleave: no order between them).
    const open = new Map<string, { lines: string[]; bytes: number }>();
    const close = (key: string) => {
      const f = open.get(key);
      if (!f) return;
      open.delete(key);
      push(
        f.lines.length === 1
          ? { key, value: f.lines[0] as string }
          : { key, value: f.lines.join('\n'), headers: { [FRAME_HEADER]: 'ndjson' } },
      );
    };
    // The request being sent; the next one starts only after it (order).
    let sending: Promise<void> = Promise.resolve();
    const send = async () => {
      const messages = good;
      const letters = dead;
      good = [];
      goodBytes = 0;
      dead = [];
      await sending;
      const work = (async () => {
        if (letters.length > 0) await sendEncoded(TOPICS.dlq, deadLetterMessages(letters));
        if (messages.length > 0) await sendEncoded(topic, messages);
      })();
      inflight.add(work);
      work.then(
        () => inflight.delete(work),
        () => inflight.delete(work),
      );
      sending = work;
    };
    // Room left for one more frame (≤ MAX_FRAME_BYTES) before a request is full.
    const ready = Math.max(0, maxBytesPerSend - MAX_FRAME_BYTES - 1024);
    let accepted = 0;
    for (const r of records) {
      const text = JSON.stringify(r.value);
      const verdict = validator.check(topic, r.value);
      if (!verdict.ok) {
        dead.push(invalidMessageDeadLetter({ topic, reason: verdict.reason, payload: text, stage: STAGE }));
        logger.warn({ topic, reason: verdict.reason }, 'invalid message not published; sent to the DLQ');
        continue;
      }
      accepted++;
      if (perMessage <= 1) push({ key: r.key, value: text });
      else {
        let f = open.get(r.key);
        if (f && f.bytes + text.length > MAX_FRAME_BYTES) {
          close(r.key);
          f = undefined;
        }
        if (!f) {
          f = { lines: [], bytes: 0 };
          open.set(r.key, f);
        }
        f.lines.push(text);
        f.bytes += text.length + 1;
        if (f.lines.length >= perMessage) close(r.key);
      }
      if (goodBytes > ready) await send();
    }
    for (const key of [...open.keys()]) close(key);
    await send();
    await sending;
    metrics.busPublished.inc({ topic }, accepted);
  }

  // Consumers ------------------------------------------------------------------------------------
  const subs: Sub[] = [];

  function updateLag(sub: Sub) {
    let sum = 0;
    for (const v of sub.lagByPartition.values()) sum += v;
    sub.status.lag = sum;
    metrics.busLag.set({ topic: sub.topic, group: sub.group }, sum);
  }

  /** Decodes one Kafka message (one record, or an NDJSON frame of records) and validates every record. */
  function parseMessage(sub: Sub, batchTopic: string, partition: number, m: KafkaMessage): Parsed {
    const out: Parsed = { offset: m.offset, records: [], dead: [] };
    const text = m.value ? m.value.toString('utf8') : '';
    const key = m.key ? m.key.toString('utf8') : '';
    const framed = m.headers?.[FRAME_HEADER]?.toString() === 'ndjson';
    const lines = framed ? text.split('\n') : [text];
    for (const [i, line] of lines.entries()) {
      const verdict = line ? sub.decode(line) : ({ ok: false, reason: 'empty message' } as const);
      if (verdict.ok) {
        out.records.push({ key, value: verdict.value });
        continue;
      }
      out.dead.push(
        invalidMessageDeadLetter({
          topic: sub.topic,
          reason: verdict.reason,
          payload: line,
          identity: `${batchTopic}/${partition}/${m.offset}${framed ? `/${i}` : ''}`,
          stage: STAGE,
        }),
      );
      logger.warn(
        { topic: batchTopic, partition, offset: m.offset, line: framed ? i : undefined, reason: verdict.reason },
        'invalid message consumed; sent to the DLQ',
      );
    }
    return out;
  }

  /**
   * Hands the records of consecutive messages to the handler, then resolves and commits the
   * offset after the last of them. Returns false when the chunk was left uncommitted (shutdown,
   * rebalance): kafkajs then fetches it again, here or at the partition's next owner.
   */
  async function handleChunk(sub: Sub, payload: EachBatchPayload, chunk: Parsed[]) {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const records = chunk.flatMap((p) => p.records);
    const dead = chunk.flatMap((p) => p.dead);

    // Heartbeats go on while the handler works or waits, so a slow store does not cost the partitions.
    let rebalancing = false;
    const beat = setInterval(() => {
      heartbeat().catch((error) => {
        rebalancing = true;
        logger.info(
          { topic: batch.topic, group: sub.group, err: describeError(error) },
          'heartbeat refused (rebalance); the batch will not be committed',
        );
      });
    }, 1_000);
    try {
      if (dead.length > 0) await sendEncoded(TOPICS.dlq, deadLetterMessages(dead));
      if (records.length > 0) {
        await withRetry(() => sub.handler(records), {
          attempts: Number.POSITIVE_INFINITY,
          baseDelayMs: 200,
          maxDelayMs: 30_000,
          // Every handler failure is retried (the memory bus does the same): dropping the batch
          // would lose data; a stuck consumer shows in the lag metric and the logs.
          shouldRetry: () => !closeSignal.aborted && isRunning() && !isStale() && !rebalancing,
          signal: closeSignal,
          onRetry: (error, attempt, delay) =>
            logger.error(
              {
                topic: batch.topic,
                group: sub.group,
                partition: batch.partition,
                attempt,
                retry_in_ms: Math.round(delay),
                err: describeError(error),
              },
              'consumer handler failed; the batch will be redelivered',
            ),
        });
      }
    } catch (error) {
      logger.info(
        { topic: batch.topic, group: sub.group, partition: batch.partition, err: describeError(error) },
        'batch left uncommitted',
      );
      return false;
    } finally {
      clearInterval(beat);
    }
    const last = chunk[chunk.length - 1];
    if (!last) return true;
    payload.resolveOffset(last.offset);
    const next = (BigInt(last.offset) + 1n).toString();
    try {
      await sub.member.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      sub.member.known.set(`${batch.topic}:${batch.partition}`, next);
    } catch (error) {
      // Not fatal: the next commit covers these offsets; if the partition moves first, its new
      // owner handles them again (at-least-once, handlers are idempotent).
      logger.warn({ topic: batch.topic, group: sub.group, partition: batch.partition, err: describeError(error) }, 'offset commit failed');
      throw toBusError(error, `offset commit for ${batch.topic}/${batch.partition}`);
    }
    metrics.busConsumed.inc({ topic: sub.topic, group: sub.group }, records.length);
    const hw = BigInt(batch.highWatermark);
    sub.lagByPartition.set(batch.partition, Number(hw > BigInt(next) ? hw - BigInt(next) : 0n));
    updateLag(sub);
    return true;
  }

  const members = new Map<string, Member>();

  /**
   * Whether the group's committed offsets of `partitions` differ from what `member` knew of them
   * (its previous join plus its own commits since); remembers the offsets read for the next join.
   * False for partitions this member never knew (its first join in this process).
   */
  async function committedElsewhere(member: Member, topic: string, partitions: Set<number>): Promise<boolean> {
    if (partitions.size === 0) return false;
    const [read] = await admin.fetchOffsets({ groupId: `${groupPrefix}${member.group}`, topics: [topic] });
    let moved = false;
    for (const { partition, offset } of read?.partitions ?? []) {
      if (!partitions.has(partition)) continue;
      const key = `${topic}:${partition}`;
      const knew = member.known.get(key);
      if (knew !== undefined && knew !== offset) moved = true;
      member.known.set(key, offset);
    }
    return moved;
  }

  /** (Re)starts a group's consumer with all its topics; kafkajs cannot add a topic to a running consumer. */
  async function startMember(member: Member) {
    const old = member.consumer;
    if (old) {
      member.consumer = undefined;
      await old.stop().catch(() => {});
      await old.disconnect().catch(() => {});
    }
    if (closeSignal.aborted) return;
    const subsList = () => [...member.subs.values()];
    const exclusive = subsList().some((s) => s.exclusive);
    const consumer = kafka.consumer({
      ...(exclusive ? { partitionAssigners: [exclusiveAssigner(createdAt)] } : {}),
      groupId: `${groupPrefix}${member.group}`,
      sessionTimeout: parameters.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: Math.min(3_000, Math.floor((parameters.sessionTimeoutMs ?? 30_000) / 3)),
      maxBytesPerPartition: parameters.maxBytesPerPartition ?? FETCH_MAX_BYTES,
      maxBytes: Math.max(FETCH_MAX_BYTES, parameters.maxBytesPerPartition ?? 0),
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 10, restartOnFailure: async () => !closeSignal.aborted },
    });
    member.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      for (const sub of subsList()) {
        sub.status.state = 'running';
        const topic = topicName(sub.topic);
        const mine = new Set((e.payload.memberAssignment[topic] ?? []) as number[]);
        for (const p of [...sub.lagByPartition.keys()]) if (!mine.has(p)) sub.lagByPartition.delete(p);
        updateLag(sub);
        if (!sub.onAssignment) continue;
        // Read the committed offsets now, before this member handles (and commits) anything.
        const elsewhere = committedElsewhere(member, topic, mine);
        elsewhere.catch(() => {});
        try {
          const count = partitionCounts.get(topic) ?? partitions;
          sub.onAssignment(mine.size, {
            committedElsewhere: () => elsewhere,
            partitions: [...mine].sort((x, y) => x - y),
            partitionCount: count,
            owns: (key) => mine.has(partitionOfKey(key, count)),
          });
        } catch (error) {
          logger.error({ group: member.group, topic: sub.topic, err: describeError(error) }, 'assignment callback failed');
        }
      }
      logger.info(
        { group: member.group, assignment: e.payload.memberAssignment, ...(exclusive ? { exclusive: true } : {}) },
        exclusive && Object.keys(e.payload.memberAssignment).length === 0
          ? 'joined consumer group as a standby (another member holds every partition)'
          : 'joined consumer group',
      );
    });
    consumer.on(consumer.events.CRASH, (e) => {
      logger.error({ group: member.group, err: describeError(e.payload.error), restart: e.payload.restart }, 'kafka consumer crashed');
      if (closeSignal.aborted || member.consumer !== consumer) return;
      for (const sub of subsList()) sub.status.state = 'restarting';
      if (!e.payload.restart) {
        // kafkajs gives up on non-retriable errors: build a fresh consumer after a pause.
        member.chain = member.chain
          .catch(() => {})
          .then(async () => {
            await sleep(5_000, closeSignal).catch(() => {});
            if (member.consumer === consumer && !closeSignal.aborted) {
              await startMember(member).catch((error) => logger.error({ err: describeError(error) }, 'consumer restart failed'));
            }
          });
      }
    });
    await withRetry(
      async () => {
        try {
          await consumer.connect();
          for (const name of member.subs.keys()) await consumer.subscribe({ topic: name, fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: parameters.partitionsConsumedConcurrently ?? 1,
            eachBatch: async (payload) => {
              const sub = member.subs.get(payload.batch.topic);
              if (!sub) return;
              const { topic, partition, messages } = payload.batch;
              const parsed = messages.map((m) => parseMessage(sub, topic, partition, m));
              // Chunks of whole messages holding up to maxBatch records (a frame is never split,
              // so a commit never lands inside one).
              let chunk: Parsed[] = [];
              let size = 0;
              for (const p of parsed) {
                if (size > 0 && size + p.records.length + p.dead.length > sub.maxBatch) {
                  if (closeSignal.aborted || !payload.isRunning() || payload.isStale()) return;
                  if (!(await handleChunk(sub, payload, chunk))) return;
                  chunk = [];
                  size = 0;
                }
                chunk.push(p);
                size += p.records.length + p.dead.length;
              }
              if (chunk.length > 0 && !closeSignal.aborted && payload.isRunning() && !payload.isStale())
                await handleChunk(sub, payload, chunk);
            },
          });
        } catch (error) {
          throw toBusError(error, `consumer ${member.group} failed to start`);
        }
      },
      {
        attempts: Number.POSITIVE_INFINITY,
        baseDelayMs: 500,
        maxDelayMs: 10_000,
        signal: closeSignal,
        onRetry: (error, attempt, delay) =>
          logger.warn({ err: describeError(error), attempt, retry_in_ms: Math.round(delay) }, 'kafka consumer start failed; retrying'),
      },
    );
  }

  return {
    kind: 'kafka',
    topicName,
    groupId: (group) => `${groupPrefix}${group}`,
    publish,
    async subscribe<N extends TopicName>(topic: N, group: string, handler: BatchHandler<TopicPayloads[N]>, options: SubscribeOptions = {}) {
      if (subs.some((s) => s.topic === topic && s.group === group)) throw new Error(`group ${group} already subscribed to ${topic}`);
      let member = members.get(group);
      if (!member) {
        member = { group, consumer: undefined, subs: new Map(), chain: Promise.resolve(), timer: undefined, known: new Map() };
        members.set(group, member);
      }
      const sub: Sub = {
        topic,
        decode: (text) => validator.decode(topic, text),
        group,
        handler: handler as BatchHandler<unknown>,
        maxBatch: options.maxBatch ?? 10_000,
        exclusive: options.exclusive ?? false,
        onAssignment: options.onAssignment,
        member,
        status: { topic, group, state: 'starting', lag: 0 },
        lagByPartition: new Map(),
      };
      subs.push(sub);
      member.subs.set(topicName(topic), sub);
      // A role subscribes its group to several topics in a row; kafkajs needs a restart (leave and
      // rejoin the group) to add a topic, so the start waits a moment for the rest of them. Nothing
      // published meanwhile is missed: a new group starts at the earliest offset.
      const m = member;
      if (m.timer) clearTimeout(m.timer);
      m.timer = setTimeout(() => {
        m.timer = undefined;
        m.chain = m.chain
          .catch(() => {})
          .then(() => startMember(m))
          .catch((error) => {
            if (!closeSignal.aborted) logger.error({ group, err: describeError(error) }, 'kafka consumer did not start');
          });
      }, SUBSCRIBE_DEBOUNCE_MS);
    },
    status: () => subs.map((s) => ({ ...s.status })),
    health() {
      const bad = subs.filter((s) => s.status.state === 'stopped');
      if (bad.length > 0) return { ready: false, detail: `consumers stopped: ${bad.map((s) => `${s.group}@${s.topic}`).join(', ')}` };
      const joining = subs.filter((s) => s.status.state !== 'running');
      if (joining.length > 0)
        return { ready: false, detail: `consumers not in their group yet: ${joining.map((s) => `${s.group}@${s.topic}`).join(', ')}` };
      return { ready: true, ...(everConnected || subs.length > 0 ? {} : { detail: 'producer not connected yet' }) };
    },
    async close() {
      if (closeController.signal.aborted) return;
      closeController.abort();
      // consumer.stop() waits for the batch in progress; its handler's wait ends with closeSignal.
      await Promise.all(
        [...members.values()].map(async (m) => {
          if (m.timer) clearTimeout(m.timer);
          await m.chain.catch(() => {});
          const c = m.consumer;
          m.consumer = undefined;
          await c?.stop().catch(() => {});
          await c?.disconnect().catch(() => {});
        }),
      );
      for (const s of subs) s.status.state = 'stopped';
      await Promise.race([Promise.allSettled([...inflight]), sleep(10_000)]);
      await producer?.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    },
  };
}

const keyPartitioner = Partitioners.DefaultPartitioner();
/**
 * The partition the producer sends records with `key` to, on a topic of `count` partitions:
 * kafkajs' default partitioner (murmur2 of the key, as Java clients do), which the bus's producer uses.
 */
export function partitionOfKey(key: string, count: number): number {
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return keyPartitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}
