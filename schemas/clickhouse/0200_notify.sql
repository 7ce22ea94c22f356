-- Alert delivery (services/notify). The outbox holds one row per (channel, alert_id); every status
-- change is a new row version (ReplacingMergeTree on `version`), so read it with FINAL.
-- Statuses: pending (to send, from next_attempt on), held (collapsed into the next digest of its
-- digest_key), sent (delivered, alone or in digest_id), failed (the channel refused the payload for
-- good, e.g. Slack 400 invalid_blocks even as plain text; kept for the operator, never deleted).

CREATE TABLE IF NOT EXISTS mixwatch.notify_outbox
(
    channel      LowCardinality(String) COMMENT 'channel name from the notify config',
    alert_id     String,
    rule         LowCardinality(String),
    severity     LowCardinality(String),
    chain        LowCardinality(String),
    address      String,
    digest_key   String COMMENT 'rule|chain|address: alerts sharing it within the window are collapsed',
    alert        String COMMENT 'the Alert as received on mixwatch.alerts.v1, JSON',
    status       LowCardinality(String) COMMENT 'pending | held | sent | failed',
    attempts     UInt32,
    next_attempt DateTime64(3, 'UTC'),
    last_error   String COMMENT 'redacted: never a webhook URL',
    digest_id    String COMMENT 'set when the alert went out inside a digest message',
    created_at   DateTime64(3, 'UTC'),
    sent_at      Nullable(DateTime64(3, 'UTC')),
    version      UInt64 COMMENT 'microseconds, strictly increasing per process: the newest row wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (channel, alert_id)
COMMENT 'durable notifier outbox: written before the alerts.v1 offset is committed';

CREATE TABLE IF NOT EXISTS mixwatch.notify_deliveries
(
    channel     LowCardinality(String),
    kind        LowCardinality(String) COMMENT 'alert | digest | fallback_text',
    message_id  String COMMENT 'alert_id, or the digest id',
    alert_ids   Array(String),
    attempt     UInt32,
    outcome     LowCardinality(String) COMMENT 'sent | rate_limited | server_error | timeout | network | rejected | invalid_payload',
    http_status UInt16 COMMENT '0 when no response',
    error       String COMMENT 'redacted',
    duration_ms UInt32,
    at          DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (channel, at)
TTL toDateTime(at) + INTERVAL 180 DAY
COMMENT 'every delivery attempt and its outcome';
