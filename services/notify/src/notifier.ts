import { TOPICS } from '@mixwatch/bus';
import type { Config } from '@mixwatch/config';
import { type Alert, describeError, FatalError, RULES, SEVERITIES, stableId, withRetry } from '@mixwatch/core';
import type { RoleContext, RoleHandle } from '@mixwatch/runtime';
import PQueue from 'p-queue';
import { matches, type ResolvedChannel, resolveChannels } from './channels.ts';
import { type Digest, formatSlackAlert, formatSlackDigest, formatSlackDigestText, formatSlackText } from './format.ts';
import { createOutbox, type DeliveryRecord, digestKey, type Outbox, type OutboxRow, type OwnedPartitions } from './outbox.ts';
import {
  classify,
  DeliveryPayloadError,
  DeliveryRetryableError,
  type Endpoint,
  postOnce,
  shouldRetryDelivery,
  signWebhook,
} from './transport.ts';

/** Options of {@link createNotifier}. */
export interface CreateNotifierParameters extends RoleContext {
  /** Environment for `urlEnv` / `hmacKeyEnv`. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

interface Channel extends ResolvedChannel {
  endpoint: Endpoint;
  /** Serializes deliveries of one webhook; `strict` interval cap = at most ratePerSecond starts per second. */
  queue: PQueue;
  consecutiveFailures: number;
}

interface Message {
  kind: 'alert' | 'digest';
  id: string;
  alertIds: string[];
  /** Full payload, then the plain-text fallback for Slack (undefined for webhooks). */
  body: string;
  fallback: string | undefined;
}

/** Thrown inside a delivery when the notifier is stopping: the row stays as it is. */
class Stopping extends Error {}

/**
 * The notify role (see {@link startNotify}): subscribes to `mixwatch.alerts.v1` as group `notify`,
 * writes every (channel, alert) to the durable outbox before the offset is committed, and delivers
 * from the outbox with one paced queue per webhook.
 *
 * Delivery guarantee: at least once, de-duplicated by (channel, alert_id). The outbox row is marked
 * `sent` right after the receiver's 2xx; a crash between that 2xx and the status write (one HTTP
 * round trip plus one insert) re-sends that single message after restart — the only duplicate
 * window. Generic webhooks carry `X-Mixwatch-Delivery` so receivers can drop that duplicate; Slack
 * has no idempotency key. Re-delivered bus records never re-send: a pair already in the outbox in
 * any status is skipped.
 */
export async function createNotifier(parameters: CreateNotifierParameters): Promise<RoleHandle> {
  const { config, common, bus, store } = parameters;
  const { logger, metrics } = common;
  const cfg: Config['notify'] = config.notify;
  const outbox: Outbox = createOutbox(store, common.signal);
  const channels: Channel[] = resolveChannels(cfg, parameters.env ?? process.env).map((c) => ({
    ...c,
    endpoint: { name: c.name, url: c.url, intervalMs: 1000 / c.ratePerSecond, timeoutMs: c.timeoutMs, lastPostAt: 0, pausedUntil: 0 },
    queue: new PQueue({ concurrency: 1, intervalCap: 1, interval: Math.max(1, Math.round(1000 / c.ratePerSecond)), strict: true }),
    consecutiveFailures: 0,
  }));
  const byName = new Map(channels.map((c) => [c.name, c]));

  const tables = await store.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = 'mixwatch' AND name IN ('notify_outbox', 'notify_deliveries')",
  );
  if (tables.length < 2)
    throw new FatalError('notify: tables mixwatch.notify_outbox / notify_deliveries are missing: run the store migrations first');

  if (channels.length === 0)
    logger.warn({}, 'notify: no channel configured (MIXWATCH_SLACK_WEBHOOK_URL or notify.channels); alerts are kept, not delivered');
  for (const c of channels) logger.info({ channel: c.name, type: c.type, where: c.where }, 'notify channel');

  const stopController = new AbortController();
  const stopSignal = stopController.signal;
  const onCommonAbort = () => stopController.abort(new Stopping('shutdown'));
  common.signal.addEventListener('abort', onCommonAbort, { once: true });
  let wake: (() => void) | undefined;
  const inFlight = new Set<string>();
  // A scan that started before a delivery finished may still read the row as pending/held (the read
  // raced the status write): such rows are skipped by comparing the finish sequence with the scan's.
  let seq = 0;
  const settled = new Map<string, number>();
  let previousScan = 0;
  const settle = (keys: string[]) => {
    seq++;
    for (const k of keys) settled.set(k, seq);
  };
  const settledSince = (k: string, scan: number) => (settled.get(k) ?? 0) > scan;
  /** Rows delivered whose `sent` status could not be written yet: written again, never re-sent. */
  const unrecorded = new Map<string, OutboxRow>();
  let lastTickError: string | undefined;
  /**
   * Partitions of the alerts topic this replica holds (Kafka: none until the group is joined, so a
   * replica that starts next to another sends nothing the other owns); undefined = every alert
   * (in-process bus).
   */
  let owned: OwnedPartitions | undefined = bus.kind === 'kafka' ? { partitions: [], count: 1 } : undefined;

  // Intake: the outbox write happens before the handler resolves (= before the offset commit).
  await bus.subscribe(
    TOPICS.alerts,
    'notify',
    async (records) => {
      const seen = new Set<string>();
      const alerts: Alert[] = [];
      for (const r of records) {
        const a = r.value;
        if (!isAlert(a)) {
          await bus.publish(TOPICS.dlq, [
            {
              key: 'notify.validate',
              value: {
                dlq_id: stableId('notify.validate', JSON.stringify(a)),
                stage: 'notify.validate',
                reason: 'alert without alert_id, rule, severity or chain',
                chain: typeof (a as { chain?: unknown })?.chain === 'string' ? (a as { chain: string }).chain : '',
                chain_id: 0,
                block_number: 0,
                tx_hash: '',
                log_index: 0,
                payload: JSON.stringify(a),
                created_at: Date.now(),
              },
            },
          ]);
          metrics.dlq.inc({ stage: 'notify.validate', chain: '' });
          continue;
        }
        if (seen.has(a.alert_id)) continue;
        seen.add(a.alert_id);
        alerts.push(a);
      }
      if (alerts.length === 0 || channels.length === 0) return;
      await intake(alerts);
      wake?.();
    },
    {
      maxBatch: 1_000,
      // Replicas (Kafka) share the alerts by partition: each delivers the outbox rows of the alerts
      // of its own partitions only, so two replicas never send the same pending row.
      onAssignment: (_n, assignment) => {
        owned = { partitions: assignment.partitions, count: assignment.partitionCount };
        logger.info({ partitions: assignment.partitions }, 'notify: delivering the alerts of these partitions');
      },
    },
  );

  async function intake(alerts: Alert[]) {
    const now = Date.now();
    const existing = await outbox.existing(alerts.map((a) => a.alert_id));
    const rows: OutboxRow[] = [];
    for (const c of channels) {
      const fresh = alerts.filter((a) => matches(c.match, a) && !existing.has(`${c.name}|${a.alert_id}`));
      if (fresh.length === 0) continue;
      const collapsible = (a: Alert) => cfg.digest.windowSec > 0 && !cfg.digest.exemptRules.includes(a.rule);
      const keys = [...new Set(fresh.filter(collapsible).map(digestKey))];
      const recent = await outbox.recentByKey(c.name, keys, now - cfg.digest.windowSec * 1000);
      const inBatch = new Set<string>();
      for (const a of fresh) {
        const key = digestKey(a);
        const hold = collapsible(a) && ((recent.get(key) ?? 0) > 0 || inBatch.has(key));
        inBatch.add(key);
        rows.push({
          channel: c.name,
          alert_id: a.alert_id,
          rule: a.rule,
          severity: a.severity,
          chain: a.chain,
          address: a.address,
          digest_key: key,
          alert: a,
          status: hold ? 'held' : 'pending',
          attempts: 0,
          next_attempt: now,
          last_error: '',
          digest_id: '',
          created_at: now,
          sent_at: null,
        });
      }
    }
    await outbox.write(rows);
  }

  function messageFor(c: Channel, alert: Alert): Message {
    if (c.type === 'slack') {
      return {
        kind: 'alert',
        id: alert.alert_id,
        alertIds: [alert.alert_id],
        body: JSON.stringify(formatSlackAlert(alert)),
        fallback: JSON.stringify(formatSlackText(alert)),
      };
    }
    return {
      kind: 'alert',
      id: alert.alert_id,
      alertIds: [alert.alert_id],
      body: JSON.stringify({ type: 'alert', channel: c.name, alert }),
      fallback: undefined,
    };
  }

  function digestFor(c: Channel, d: Digest): Message {
    const ids = d.alerts.map((a) => a.alert_id);
    if (c.type === 'slack') {
      return {
        kind: 'digest',
        id: d.digest_id,
        alertIds: ids,
        body: JSON.stringify(formatSlackDigest(d)),
        fallback: JSON.stringify(formatSlackDigestText(d)),
      };
    }
    const body = JSON.stringify({
      type: 'digest',
      channel: c.name,
      digest_id: d.digest_id,
      rule: d.rule,
      chain: d.chain,
      address: d.address,
      alerts: d.alerts,
    });
    return { kind: 'digest', id: d.digest_id, alertIds: ids, body, fallback: undefined };
  }

  /**
   * Sends one message with in-round retries (withRetry honours Retry-After; every attempt passes
   * the webhook's pacing gate) and, for Slack, the plain-text fallback when the blocks are refused.
   * Returns the attempts; throws the last error when the round failed.
   */
  async function send(c: Channel, m: Message, attempts: DeliveryRecord[]): Promise<'sent' | 'fallback_text'> {
    const attempt = async (body: string, kind: DeliveryRecord['kind']) => {
      let n = 0;
      return withRetry(
        async () => {
          n++;
          const started = performance.now();
          const headers =
            c.type === 'webhook' && c.hmacKey
              ? { ...signWebhook(body, c.hmacKey, Math.floor(Date.now() / 1000), `${c.name}:${m.id}`) }
              : {};
          try {
            const { httpStatus } = await postOnce(c.endpoint, body, headers, stopSignal);
            const ms = performance.now() - started;
            metrics.notifyDeliveryDuration.observe({ channel: c.name }, ms / 1000);
            attempts.push(record(c, m, kind, n, 'sent', httpStatus, '', ms));
          } catch (error) {
            if (stopSignal.aborted && !(error instanceof DeliveryRetryableError || error instanceof DeliveryPayloadError))
              throw new Stopping('stopping');
            const { outcome, httpStatus } = classify(error);
            const ms = performance.now() - started;
            metrics.deliveryFailures.inc({ channel: c.name, reason: outcome });
            attempts.push(record(c, m, kind, n, outcome, httpStatus, describeError(error), ms));
            throw error;
          }
        },
        {
          attempts: cfg.retry.attempts,
          baseDelayMs: cfg.retry.baseDelayMs,
          maxDelayMs: Math.min(cfg.retry.maxDelayMs, 30_000),
          shouldRetry: (e) => shouldRetryDelivery(e),
          signal: stopSignal,
          onRetry: (error, attemptNo, delay) =>
            logger.warn(
              { channel: c.name, attempt: attemptNo, delay_ms: Math.round(delay), err: describeError(error) },
              'delivery failed; retrying',
            ),
        },
      ).catch((error) => {
        if (stopSignal.aborted) throw new Stopping('stopping');
        throw error;
      });
    };
    try {
      await attempt(m.body, m.kind);
      return 'sent';
    } catch (error) {
      if (!(error instanceof DeliveryPayloadError) || !m.fallback) throw error;
      logger.error({ channel: c.name, message_id: m.id, err: describeError(error) }, 'payload refused; sending the plain-text fallback');
      await attempt(m.fallback, 'fallback_text');
      return 'fallback_text';
    }
  }

  function record(
    c: Channel,
    m: Message,
    kind: DeliveryRecord['kind'],
    attempt: number,
    outcome: DeliveryRecord['outcome'],
    httpStatus: number,
    error: string,
    ms: number,
  ): DeliveryRecord {
    return {
      channel: c.name,
      kind,
      message_id: m.id,
      alert_ids: m.alertIds,
      attempt,
      outcome,
      http_status: httpStatus,
      error,
      duration_ms: Math.round(ms),
      at: Date.now(),
    };
  }

  /** Next delivery round of a row that failed `attempts` times: exponential with jitter, at least Retry-After. */
  function nextAttemptAt(attemptsSoFar: number, error: unknown): number {
    const base = cfg.retry.baseDelayMs * 2 ** Math.min(attemptsSoFar, 20);
    const backoff = Math.min(cfg.retry.maxDelayMs, base) * (0.5 + Math.random() / 2);
    const asked = (error as { retryAfterMs?: number })?.retryAfterMs ?? 0;
    const rejected = error instanceof DeliveryRetryableError && error.outcome === 'rejected';
    return Date.now() + Math.max(asked, rejected ? cfg.retry.maxDelayMs : backoff);
  }

  async function deliverRows(c: Channel, rows: OutboxRow[], m: Message, digestId: string) {
    const attempts: DeliveryRecord[] = [];
    // Attempts are written before the outbox status: a `sent` or failed row implies its attempts are recorded.
    const flushAttempts = async () => {
      const batch = attempts.splice(0);
      await outbox
        .recordAttempts(batch)
        .catch((e) => logger.warn({ channel: c.name, err: describeError(e) }, 'cannot record delivery attempts'));
    };
    let how: 'sent' | 'fallback_text';
    try {
      how = await send(c, m, attempts);
    } catch (error) {
      await failed(error);
      return;
    } finally {
      await flushAttempts();
    }
    c.consecutiveFailures = 0;
    const sentAt = Date.now();
    const done = rows.map((r) => ({
      ...r,
      status: 'sent' as const,
      attempts: r.attempts + 1,
      last_error: '',
      digest_id: digestId,
      sent_at: sentAt,
    }));
    // Delivered: from here on the only risk is failing to record it, and the answer to that is to
    // write again (next tick, or at stop), never to send again.
    for (const r of done) unrecorded.set(`${r.channel}|${r.alert_id}`, r);
    metrics.deliveries.inc(
      { channel: c.name, outcome: how === 'fallback_text' ? 'fallback_text' : digestId ? 'digested' : 'sent' },
      rows.length,
    );
    try {
      await outbox.write(done);
      for (const r of done) unrecorded.delete(`${r.channel}|${r.alert_id}`);
    } catch (error) {
      logger.error(
        { channel: c.name, message_id: m.id, err: describeError(error) },
        'delivered, but the sent status is not written yet; retrying the write',
      );
    }

    async function failed(error: unknown) {
      if (error instanceof Stopping) return;
      c.consecutiveFailures++;
      const permanent = error instanceof DeliveryPayloadError;
      const msg = describeError(error);
      logger.error({ channel: c.name, message_id: m.id, alerts: rows.length, err: msg, permanent }, 'delivery failed');
      metrics.deliveries.inc({ channel: c.name, outcome: permanent ? 'failed' : 'retry_later' }, rows.length);
      await flushAttempts();
      const next = rows.map((r) => ({
        ...r,
        status: permanent ? ('failed' as const) : r.status,
        attempts: r.attempts + 1,
        next_attempt: nextAttemptAt(r.attempts, error),
        last_error: msg.slice(0, 500),
      }));
      await outbox
        .write(next)
        .catch((e) => logger.error({ channel: c.name, err: describeError(e) }, 'cannot record the failed delivery; it stays due'));
    }
  }

  async function tick() {
    const now = Date.now();
    if (unrecorded.size > 0) {
      const rows = [...unrecorded.values()];
      await outbox.write(rows);
      for (const r of rows) unrecorded.delete(`${r.channel}|${r.alert_id}`);
    }
    if (!cfg.enabled) return;
    const scan = seq;
    // entries settled before the previous scan started are visible to this one
    for (const [k, v] of settled) if (v <= previousScan) settled.delete(k);
    previousScan = scan;
    for (const row of await outbox.due(now, 500, owned)) {
      const c = byName.get(row.channel);
      const k = `${row.channel}|${row.alert_id}`;
      if (!c || inFlight.has(k) || unrecorded.has(k) || settledSince(k, scan)) continue;
      inFlight.add(k);
      void c.queue
        .add(() => deliverRows(c, [row], messageFor(c, row.alert), ''))
        .catch((e) => logger.error({ channel: c.name, err: describeError(e) }, 'delivery task failed'))
        .finally(() => {
          settle([k]);
          inFlight.delete(k);
        });
    }
    // Digests: held rows of a key go out together once the key's last message is intervalSec old.
    const held = await outbox.held(cfg.digest.maxItems, owned);
    const groups = new Map<string, OutboxRow[]>();
    for (const r of held) {
      const g = `${r.channel}|${r.digest_key}`;
      groups.set(g, [...(groups.get(g) ?? []), r]);
    }
    const keysByChannel = new Map<string, string[]>();
    for (const rows of groups.values()) {
      const r = rows[0]!;
      keysByChannel.set(r.channel, [...(keysByChannel.get(r.channel) ?? []), r.digest_key]);
    }
    for (const [channel, keys] of keysByChannel) {
      const c = byName.get(channel);
      if (!c) continue;
      const sent = await outbox.sentByKey(channel, keys);
      for (const key of keys) {
        const g = `${channel}|${key}`;
        const rows = groups.get(g) ?? [];
        if (rows.length === 0 || inFlight.has(g) || (sent.get(key)?.pending ?? 0) > 0) continue;
        if (settledSince(g, scan) || rows.some((r) => settledSince(`${r.channel}|${r.alert_id}`, scan))) continue;
        const anchor = sent.get(key)?.lastSentAt ?? Math.min(...rows.map((r) => r.created_at));
        if (anchor + cfg.digest.intervalSec * 1000 > now) continue;
        if (rows.some((r) => r.next_attempt > now)) continue;
        const first = rows[0]!;
        const d: Digest = {
          digest_id: stableId('digest', channel, key, ...rows.map((r) => r.alert_id).sort()),
          rule: first.rule,
          chain: first.chain,
          address: first.address,
          alerts: rows.map((r) => r.alert),
          deliveredBefore: sent.get(key)?.count ?? 0,
        };
        inFlight.add(g);
        void c.queue
          .add(() => deliverRows(c, rows, digestFor(c, d), d.digest_id))
          .catch((e) => logger.error({ channel, err: describeError(e) }, 'digest task failed'))
          .finally(() => {
            settle([g, ...rows.map((r) => `${r.channel}|${r.alert_id}`)]);
            inFlight.delete(g);
          });
      }
    }
    const backlog = await outbox.backlog(now);
    for (const c of channels) {
      const b = backlog.get(c.name);
      metrics.outboxPending.set({ channel: c.name }, b?.waiting ?? 0);
      metrics.notifyOutboxOldestAge.set({ channel: c.name }, b?.oldestAgeSec ?? 0);
    }
  }

  // Catch-up: alerts the sink stored but this group never took in (the in-process bus is lost on a
  // crash; with Kafka this finds nothing). Alerts matching no channel are looked at again next start.
  if (channels.length > 0 && cfg.resumeWindowSec > 0) {
    try {
      const since = Date.now() - cfg.resumeWindowSec * 1000;
      for (;;) {
        const missing = (await outbox.unqueuedAlerts(since, 1_000)).filter(isAlert);
        const routed = missing.filter((a) => channels.some((c) => matches(c.match, a)));
        if (routed.length > 0) {
          logger.warn({ alerts: routed.length }, 'notify: taking in stored alerts that never reached the outbox');
          await intake(routed);
        }
        if (missing.length < 1_000 || routed.length === 0) break;
      }
    } catch (error) {
      logger.error({ err: describeError(error) }, 'notify: catch-up from mixwatch.alerts failed; continuing with the bus');
    }
  }

  const loop = (async () => {
    while (!stopSignal.aborted) {
      try {
        await tick();
        lastTickError = undefined;
      } catch (error) {
        if (stopSignal.aborted) break;
        lastTickError = describeError(error);
        logger.error({ err: lastTickError }, 'notify: outbox scan failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          stopSignal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, cfg.pollIntervalMs);
        wake = done;
        stopSignal.addEventListener('abort', done, { once: true });
      });
      wake = undefined;
    }
  })();

  return {
    name: 'notify',
    health() {
      if (lastTickError) return { ready: false, detail: `outbox: ${lastTickError}` };
      const failing = channels.filter((c) => c.consecutiveFailures > 0).map((c) => `${c.name} failing (${c.consecutiveFailures} rounds)`);
      return failing.length ? { ready: true, detail: failing.join('; ') } : { ready: true };
    },
    async stop() {
      common.signal.removeEventListener('abort', onCommonAbort);
      for (const c of channels) c.queue.clear();
      stopController.abort(new Stopping('stop'));
      await loop;
      await Promise.all(channels.map((c) => c.queue.onIdle()));
      if (unrecorded.size > 0) await outbox.write([...unrecorded.values()]).catch(() => {});
    },
  };
}

function isAlert(a: unknown): a is Alert {
  const x = a as Partial<Alert> | null;
  return (
    !!x &&
    typeof x.alert_id === 'string' &&
    x.alert_id !== '' &&
    typeof x.rule === 'string' &&
    (RULES as readonly string[]).includes(x.rule) &&
    typeof x.severity === 'string' &&
    (SEVERITIES as readonly string[]).includes(x.severity) &&
    typeof x.chain === 'string'
  );
}
