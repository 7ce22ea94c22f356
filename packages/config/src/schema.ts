import { z } from 'zod';
import { detectConfigSchema } from './detect.ts';
import { notifyConfigSchema } from './notify.ts';

const url = z.string().refine((s) => /^(https?|wss?):\/\/[^\s]+$/.test(s), { message: 'expected an http(s) or ws(s) URL' });

/** One chain's settings; unset numbers fall back to the chain table (`@mixwatch/chain` CHAINS). */
export const chainConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Required for a chain missing from the built-in table. */
    chainId: z.number().int().positive().optional(),
    /** JSON-RPC URLs, tried in order (viem fallback). Prefer `MIXWATCH_RPC_<CHAIN>` for keyed URLs. */
    rpc: z.array(url).min(1).optional(),
    confirmations: z.number().int().min(0).optional(),
    reorgWindow: z.number().int().min(1).optional(),
    maxLogRange: z.number().int().min(1).optional(),
    pollIntervalMs: z.number().int().min(50).optional(),
    /** First block to ingest when no cursor exists; default: the current head. */
    startBlock: z.number().int().min(0).optional(),
    /** Requests in flight per RPC URL. */
    rpcConcurrency: z.number().int().min(1).default(4),
    /** Requests per second per RPC URL. */
    rpcRequestsPerSecond: z.number().positive().default(25),
    /** Per-request timeout in ms. */
    rpcTimeoutMs: z.number().int().min(100).default(20_000),
    /** JSON-RPC batch size: calls released together (at most rpcConcurrency) share one HTTP request; 1 = off. */
    rpcBatchSize: z.number().int().min(1).max(100).default(1),
    /**
     * `eth_getLogs` reads per range: 2 = read each range (at least) twice — from another RPC URL
     * when several are configured — and accept it only once two reads agree, because
     * load-balanced providers whose backends lag can silently return a range with logs missing;
     * 1 = trust one answer (a node of your own; half the getLogs calls).
     */
    logReads: z.number().int().min(1).max(2).default(2),
    /** Stablecoin `Transfer`s: `all`, or only those touching watched (labelled/tainted) addresses. */
    stablecoinScope: z.enum(['all', 'watched']).default('all'),
    /** Native-coin transfers sent by watched addresses (full blocks are read): in live ranges, always (backfill too), or off. */
    nativeTransfers: z.enum(['live', 'always', 'off']).default('live'),
    /** Restrict to these services (registry slugs); default every service on the chain. */
    services: z.array(z.string()).optional(),
  })
  .strict();

/** The whole configuration file. Every key has a default: an empty file is a valid config. */
export const configSchema = z
  .object({
    /** Embedded store folder and daemon state. Env: MIXWATCH_DATA_DIR. */
    dataDir: z.string().min(1).default('./data'),
    store: z
      .object({
        /** ClickHouse server HTTP URL; unset = embedded chDB in `dataDir`. Env: MIXWATCH_CLICKHOUSE_URL. */
        url: url.optional(),
        username: z.string().default('default'),
        password: z.string().default(''),
        /** Flush a batch at this many rows… */
        batchRows: z.number().int().min(1).default(20_000),
        /** …or after this many ms, whichever first. */
        flushIntervalMs: z.number().int().min(10).default(1_000),
      })
      .strict()
      .default({ username: 'default', password: '', batchRows: 20_000, flushIntervalMs: 1_000 }),
    bus: z
      .object({
        /** Set = Kafka bus. Env: MIXWATCH_KAFKA_BROKERS (comma-separated). */
        kafka: z
          .object({
            brokers: z.array(z.string().min(1)).min(1),
            clientId: z.string().default('mixwatch'),
            partitions: z.number().int().min(1).default(6),
            replicationFactor: z.number().int().min(1).default(1),
            /** Prefix for topic names (tests use random ones); the contract names follow it. */
            topicPrefix: z.string().default(''),
            ssl: z.boolean().default(false),
            sasl: z
              .object({ mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), username: z.string(), password: z.string() })
              .optional(),
            /** Prefix of consumer group ids; the rest is the role name (`sink`, `detect`, `notify`). */
            groupPrefix: z.string().default(''),
            /** Consumer session timeout (ms): a replica silent this long loses its partitions to the others. */
            sessionTimeoutMs: z.number().int().min(6_000).max(300_000).default(30_000),
            /** Partitions one replica handles at the same time (each still one batch at a time, in order). */
            partitionsConsumedConcurrently: z.number().int().min(1).max(64).default(1),
            /** Flows of one chain packed into one Kafka message (NDJSON frame, header mixwatch-frame); 1 = one per message. */
            recordsPerMessage: z.number().int().min(1).max(10_000).default(64),
          })
          .strict()
          .optional(),
        /** In-process bus: records a consumer may have waiting before producers block. */
        memoryCapacity: z.number().int().min(100).default(100_000),
      })
      .strict()
      .default({ memoryCapacity: 100_000 }),
    http: z
      .object({
        /** Metrics, health and the local query route. Loopback unless you say otherwise. */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(9464),
        /** Required for the query route when `host` is not loopback. Put `${ENV}` here, not the value. */
        token: z.string().optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 9464 }),
    chains: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'chain names are lowercase letters, digits and _'), chainConfigSchema).default({
      ethereum: chainConfigSchema.parse({}),
    }),
    labels: z
      .object({
        /** Extra CSV files (address,chain,label,category,source) loaded at start. */
        files: z.array(z.string()).default([]),
      })
      .strict()
      .default({ files: [] }),
    detect: detectConfigSchema,
    notify: notifyConfigSchema,
  })
  .strict();

/** The validated configuration every role receives. */
export type Config = z.infer<typeof configSchema>;
export type ChainConfig = z.infer<typeof chainConfigSchema>;
