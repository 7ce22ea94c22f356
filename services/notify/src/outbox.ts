import type { Alert } from '@mixwatch/core';
import type { Store } from '@mixwatch/store';
import type { AttemptOutcome } from './transport.ts';

/** Outbox statuses (see schemas/clickhouse/0200_notify.sql). */
export type OutboxStatus = 'pending' | 'held' | 'sent' | 'failed';

/** The partitions of `mixwatch.alerts.v1` a notify replica holds (alerts are keyed by alert id). */
export interface OwnedPartitions {
  partitions: readonly number[];
  count: number;
}

/**
 * Rows of alerts in the replica's partitions: ClickHouse's `kafkaMurmurHash` is the hash of Kafka's
 * default partitioner (the bus's producer), so `% count` is the alert's partition.
 */
const OWNED_SQL = 'AND kafkaMurmurHash(alert_id) % {partition_count:UInt32} IN {partitions:Array(UInt32)}';
const ownedParams = (mine: OwnedPartitions | undefined) => (mine ? { partition_count: mine.count, partitions: [...mine.partitions] } : {});

/** One `mixwatch.notify_outbox` row as the notifier uses it (times in unix ms). */
export interface OutboxRow {
  channel: string;
  alert_id: string;
  rule: string;
  severity: string;
  chain: string;
  address: string;
  digest_key: string;
  alert: Alert;
  status: OutboxStatus;
  attempts: number;
  next_attempt: number;
  last_error: string;
  digest_id: string;
  created_at: number;
  sent_at: number | null;
}

/** One `mixwatch.notify_deliveries` row: one HTTP attempt. */
export interface DeliveryRecord {
  channel: string;
  kind: 'alert' | 'digest' | 'fallback_text';
  message_id: string;
  alert_ids: string[];
  attempt: number;
  outcome: AttemptOutcome;
  http_status: number;
  error: string;
  duration_ms: number;
  at: number;
}

/** The key alerts are collapsed by: same rule, chain and subject address. */
export function digestKey(alert: Pick<Alert, 'rule' | 'chain' | 'address'>): string {
  return `${alert.rule}|${alert.chain}|${alert.address}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

let lastVersion = 0;
/** Row version in microseconds, strictly increasing within the process (ReplacingMergeTree keeps the highest). */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

const COLUMNS = `channel, alert_id, rule, severity, chain, address, digest_key, alert, status, attempts,
  toUnixTimestamp64Milli(next_attempt) AS next_attempt, last_error, digest_id,
  toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(sent_at) AS sent_at`;

type RawRow = Omit<OutboxRow, 'alert' | 'attempts' | 'next_attempt' | 'created_at' | 'sent_at'> & {
  alert: string;
  attempts: number | string;
  next_attempt: number | string;
  created_at: number | string;
  sent_at: number | string | null;
};

function fromRaw(r: RawRow): OutboxRow {
  return {
    ...r,
    alert: JSON.parse(r.alert) as Alert,
    attempts: Number(r.attempts),
    next_attempt: Number(r.next_attempt),
    created_at: Number(r.created_at),
    sent_at: r.sent_at === null ? null : Number(r.sent_at),
  };
}

/**
 * The durable outbox over `mixwatch.notify_outbox` (ReplacingMergeTree by `version`: every change
 * is an insert of the whole row, read back with FINAL) and `mixwatch.notify_deliveries`.
 */
export interface Outbox {
  /** `channel|alert_id` pairs already in the outbox, any status (SELECT DISTINCT … WHERE alert_id IN …). */
  existing(alertIds: string[]): Promise<Set<string>>;
  /** Per digest key of `channel`: alerts (not failed) created at or after `sinceMs`. */
  recentByKey(channel: string, keys: string[], sinceMs: number): Promise<Map<string, number>>;
  /** Writes row versions (insert; the newest version wins). */
  write(rows: OutboxRow[]): Promise<void>;
  /**
   * Pending rows due at `nowMs`, oldest first (FINAL … WHERE status = 'pending' AND next_attempt <= now);
   * with `mine`, only the alerts of those partitions of `mixwatch.alerts.v1` (replicas sharing the work).
   */
  due(nowMs: number, limit: number, mine?: OwnedPartitions): Promise<OutboxRow[]>;
  /** Held rows, oldest first, at most `limit` per (channel, digest_key); `mine` as for {@link due}. */
  held(limit: number, mine?: OwnedPartitions): Promise<OutboxRow[]>;
  /** Per digest key of `channel`: time of the last sent message (undefined: none yet), alerts sent, alerts still pending. */
  sentByKey(channel: string, keys: string[]): Promise<Map<string, { lastSentAt: number | undefined; count: number; pending: number }>>;
  /** Per channel: alerts waiting (pending + held) and the age of the oldest, seconds. */
  backlog(nowMs: number): Promise<Map<string, { waiting: number; oldestAgeSec: number }>>;
  /** Appends delivery attempts. */
  recordAttempts(records: DeliveryRecord[]): Promise<void>;
  /** Alerts of `mixwatch.alerts` created since `sinceMs` with no outbox row on any channel (at most `limit`, oldest first). */
  unqueuedAlerts(sinceMs: number, limit: number): Promise<Alert[]>;
}

/**
 * Builds the {@link Outbox} on a store whose migrations (0200_notify) are applied. Once `shutdown`
 * is aborted (SIGTERM), the store's retrying helpers refuse to start; the outbox then talks to the
 * ClickHouse client directly (one attempt) so that the outcome of a delivery finishing during a
 * graceful stop is still recorded — otherwise it would be sent again after the restart.
 */
export function createOutbox(store: Store, shutdown?: AbortSignal): Outbox {
  const direct = () => shutdown?.aborted === true;
  const db = {
    async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      if (!direct()) return store.query<T>(sql, params);
      const rs = await store.client.query({ query: sql, format: 'JSONEachRow', ...(params ? { query_params: params } : {}) });
      return (await rs.json()) as T[];
    },
    async insert(table: string, rows: Record<string, unknown>[]): Promise<void> {
      if (!direct()) return store.insert(table, rows);
      await store.client.insert({ table: `mixwatch.${table}`, values: rows, format: 'JSONEachRow' });
    },
  };
  return {
    async existing(alertIds) {
      if (alertIds.length === 0) return new Set();
      const rows = await db.query<{ channel: string; alert_id: string }>(
        'SELECT DISTINCT channel, alert_id FROM mixwatch.notify_outbox WHERE alert_id IN {ids:Array(String)}',
        { ids: alertIds },
      );
      return new Set(rows.map((r) => `${r.channel}|${r.alert_id}`));
    },
    async recentByKey(channel, keys, sinceMs) {
      if (keys.length === 0) return new Map();
      const rows = await db.query<{ digest_key: string; n: string }>(
        `SELECT digest_key, count() AS n FROM (SELECT digest_key, status, created_at FROM mixwatch.notify_outbox FINAL
           WHERE channel = {c:String} AND digest_key IN {keys:Array(String)})
         WHERE status != 'failed' AND created_at >= fromUnixTimestamp64Milli({since:Int64}) GROUP BY digest_key`,
        { c: channel, keys, since: sinceMs },
      );
      return new Map(rows.map((r) => [r.digest_key, Number(r.n)]));
    },
    async write(rows) {
      if (rows.length === 0) return;
      await db.insert(
        'notify_outbox',
        rows.map((r) => ({
          ...r,
          alert: JSON.stringify(r.alert),
          next_attempt: iso(r.next_attempt),
          created_at: iso(r.created_at),
          sent_at: r.sent_at === null ? null : iso(r.sent_at),
          version: nextVersion(),
        })),
      );
    },
    async due(nowMs, limit, mine) {
      if (mine && mine.partitions.length === 0) return [];
      const rows = await db.query<RawRow>(
        `SELECT * FROM (SELECT ${COLUMNS} FROM mixwatch.notify_outbox FINAL)
         WHERE status = 'pending' AND next_attempt <= {now:Int64} ${mine ? OWNED_SQL : ''}
         ORDER BY created_at, indexOf(['critical', 'high', 'medium', 'low', 'info'], severity), alert_id LIMIT {limit:UInt32}`,
        { now: nowMs, limit, ...ownedParams(mine) },
      );
      return rows.map(fromRaw);
    },
    async held(limit, mine) {
      if (mine && mine.partitions.length === 0) return [];
      const rows = await db.query<RawRow>(
        `SELECT * FROM (SELECT ${COLUMNS} FROM mixwatch.notify_outbox FINAL)
         WHERE status = 'held' ${mine ? OWNED_SQL : ''} ORDER BY created_at, alert_id LIMIT {limit:UInt32} BY channel, digest_key`,
        { limit, ...ownedParams(mine) },
      );
      return rows.map(fromRaw);
    },
    async sentByKey(channel, keys) {
      if (keys.length === 0) return new Map();
      const rows = await db.query<{ digest_key: string; last: string; n: string; pending: string }>(
        `SELECT digest_key, maxIf(sent_ms, status = 'sent') AS last, countIf(status = 'sent') AS n, countIf(status = 'pending') AS pending FROM (
           SELECT digest_key, status, toUnixTimestamp64Milli(assumeNotNull(sent_at)) AS sent_ms FROM mixwatch.notify_outbox FINAL
           WHERE channel = {c:String} AND digest_key IN {keys:Array(String)})
         GROUP BY digest_key`,
        { c: channel, keys },
      );
      return new Map(
        rows.map((r) => [
          r.digest_key,
          { lastSentAt: Number(r.n) > 0 ? Number(r.last) : undefined, count: Number(r.n), pending: Number(r.pending) },
        ]),
      );
    },
    async backlog(nowMs) {
      const rows = await db.query<{ channel: string; waiting: string; oldest: string }>(
        `SELECT channel, count() AS waiting, min(created_ms) AS oldest FROM (
           SELECT channel, status, toUnixTimestamp64Milli(created_at) AS created_ms FROM mixwatch.notify_outbox FINAL)
         WHERE status IN ('pending', 'held') GROUP BY channel`,
      );
      return new Map(
        rows.map((r) => [r.channel, { waiting: Number(r.waiting), oldestAgeSec: Math.max(0, (nowMs - Number(r.oldest)) / 1000) }]),
      );
    },
    async unqueuedAlerts(sinceMs, limit) {
      const rows = await db.query<{
        alert_id: string;
        rule: Alert['rule'];
        severity: Alert['severity'];
        chain: string;
        block_time: string | number;
        tx_hash: string;
        address: string;
        service: string;
        amount: string;
        title: string;
        details: string;
        created_ms: string | number;
      }>(
        `SELECT alert_id, rule, severity, chain, toUnixTimestamp(block_time) AS block_time, tx_hash, address, service,
                toString(amount) AS amount, title, details, toUnixTimestamp64Milli(created_at) AS created_ms
         FROM mixwatch.alerts FINAL
         WHERE created_at >= fromUnixTimestamp64Milli({since:Int64})
           AND alert_id NOT IN (SELECT alert_id FROM mixwatch.notify_outbox)
         ORDER BY created_at LIMIT {limit:UInt32}`,
        { since: sinceMs, limit },
      );
      return rows.map((r) => {
        let details: Record<string, unknown> = {};
        try {
          details = JSON.parse(r.details) as Record<string, unknown>;
        } catch {
          details = { raw: r.details };
        }
        return {
          alert_id: r.alert_id,
          rule: r.rule,
          severity: r.severity,
          chain: r.chain,
          block_time: Number(r.block_time),
          tx_hash: r.tx_hash,
          address: r.address,
          service: r.service,
          amount: r.amount,
          title: r.title,
          details,
          created_at: Number(r.created_ms),
        };
      });
    },
    async recordAttempts(records) {
      if (records.length === 0) return;
      await db.insert(
        'notify_deliveries',
        records.map((r) => ({ ...r, at: iso(r.at) })),
      );
    },
  };
}
