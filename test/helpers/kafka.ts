import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
// @ts-expect-error plain ESM module without types (shared with scripts/kafka-dev.mjs)
import { startBroker } from '../../deploy/kafka/broker.mjs';

/** Options of {@link startKafka}. */
export interface StartKafkaParameters {
  /** Client port; default a free one. */
  port?: number;
  /** JVM heap in MiB. Default 512. */
  heapMb?: number;
  /** Keep the data folder after `stop()` (to read broker.log). Default false. */
  keepData?: boolean;
  /**
   * Start fast: the JVM compiles with C1 only (`-XX:TieredStopAtLevel=1`), which halves the start's
   * CPU on a busy 2-core machine; benchmarks turn it off for full speed. Default true.
   */
  fastStart?: boolean;
}

/** A running single-node broker for a test. */
export interface KafkaTestBroker {
  /** `127.0.0.1:<port>`. */
  brokers: string[];
  port: number;
  dataDir: string;
  /** Milliseconds from spawning the JVM to a broker that answers metadata requests (cold start). */
  startMs: number;
  /** Process id of the broker JVM (changes on `restart`). */
  readonly pid: number;
  /** Controlled shutdown (SIGTERM), then removes the data folder unless `keepData`. */
  stop(): Promise<void>;
  /** SIGKILL, data kept (for `restart`). */
  kill(): Promise<void>;
  /** SIGTERM if running, then start again on the same port and data; resolves with the time to ready in ms. */
  restart(): Promise<number>;
  /** Stops the broker process (SIGTERM) but keeps the data, so that `restart` brings the same cluster back. */
  pause(): Promise<void>;
}

/**
 * Starts a real Apache Kafka broker (KRaft, from the Maven jars; resolved on first use) on
 * 127.0.0.1 with random ports and a temporary data folder, and waits until it answers a
 * `Metadata` request. Every test file gets its own broker; use {@link randomName} for topic
 * prefixes and group names so that tests never see each other's data.
 */
export async function startKafka(parameters: StartKafkaParameters = {}): Promise<KafkaTestBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mixwatch-kafka-'));
  const started = performance.now();
  const broker = await startBroker({
    dataDir,
    port: parameters.port,
    heapMb: parameters.heapMb ?? 512,
    jvmArgs: parameters.fastStart === false ? [] : ['-XX:TieredStopAtLevel=1'],
    // A loaded CI machine (other suites, several brokers starting at once) can take minutes.
    readyTimeoutMs: 240_000,
  }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  await waitForMetadata(broker.brokers);
  const startMs = Math.round(performance.now() - started);
  return {
    brokers: broker.brokers,
    port: broker.port,
    dataDir,
    startMs,
    get pid() {
      return broker.pid as number;
    },
    async stop() {
      await broker.stop();
      if (!parameters.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
    kill: () => broker.kill(),
    pause: () => broker.stop(),
    async restart() {
      const t = performance.now();
      await broker.restart();
      await waitForMetadata(broker.brokers);
      return Math.round(performance.now() - t);
    },
  };
}

/** Waits until the broker answers `Metadata` (kafkajs admin), up to `timeoutMs`. */
export async function waitForMetadata(brokers: string[], timeoutMs = 60_000): Promise<void> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1_000 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms`, { cause: error });
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

/** A random name for topic prefixes and consumer groups: `${base}-<12 hex>`. */
export function randomName(base = 'mw'): string {
  return `${base}-${randomBytes(6).toString('hex')}`;
}
