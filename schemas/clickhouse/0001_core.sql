-- mixwatch core tables. Every row has a deterministic identity in its sorting key and the
-- tables are ReplacingMergeTree, so a replayed insert is harmless. Query with FINAL (or the
-- `final=1` setting, which `mixwatch sql` sets) to see exactly one row per identity.
-- Cluster variant: see schemas/clickhouse/README.md (ON CLUSTER + ReplicatedReplacingMergeTree).

CREATE DATABASE IF NOT EXISTS mixwatch;

CREATE TABLE IF NOT EXISTS mixwatch.flows
(
    flow_id            String COMMENT 'chain_id:tx_hash:log_index:sub_index',
    chain              LowCardinality(String),
    chain_id           UInt32,
    block_number       UInt64,
    block_time         DateTime('UTC'),
    block_hash         String,
    tx_hash            String,
    log_index          UInt32,
    sub_index          UInt16,
    contract           String COMMENT 'address of the contract that emitted the log',
    event              LowCardinality(String),
    service            LowCardinality(String),
    category           LowCardinality(String),
    action             LowCardinality(String),
    from_address       String,
    to_address         String,
    tx_from            String COMMENT 'the transaction sender (tx.from)',
    token              String COMMENT 'native or the token address',
    token_symbol       LowCardinality(String),
    amount             UInt256 COMMENT 'raw units, no decimals applied',
    decimals           UInt8,
    counterparty_chain LowCardinality(String),
    bridge_ref         String COMMENT 'message id / nonce / deposit id pairing the two bridge legs',
    extra              String COMMENT 'decoder details, JSON',
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_from from_address TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_to to_address TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_txfrom tx_from TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_tx tx_hash TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_ref bridge_ref TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(block_time)
ORDER BY (chain_id, block_number, tx_hash, log_index, sub_index)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mixwatch.alerts
(
    alert_id   String,
    rule       LowCardinality(String),
    severity   LowCardinality(String),
    chain      LowCardinality(String),
    block_time DateTime('UTC'),
    tx_hash    String,
    address    String,
    service    LowCardinality(String),
    amount     UInt256,
    title      String,
    details    String COMMENT 'the evidence, JSON',
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(block_time)
ORDER BY (rule, alert_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mixwatch.dlq
(
    dlq_id       String,
    stage        LowCardinality(String),
    reason       String,
    chain        LowCardinality(String),
    chain_id     UInt32,
    block_number UInt64,
    tx_hash      String,
    log_index    UInt32,
    payload      String,
    created_at   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (stage, dlq_id);

CREATE TABLE IF NOT EXISTS mixwatch.cursors
(
    cursor_key String COMMENT 'live:<chain_id> or backfill:<chain_id>:<from>-<to>',
    chain      LowCardinality(String),
    chain_id   UInt32,
    block      UInt64,
    hash       String,
    block_time DateTime('UTC'),
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY cursor_key;

CREATE TABLE IF NOT EXISTS mixwatch.blocks
(
    chain_id   UInt32,
    number     UInt64,
    hash       String,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (chain_id, number)
TTL toDateTime(updated_at) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS mixwatch.chain_status
(
    chain        LowCardinality(String),
    chain_id     UInt32,
    head         UInt64,
    cursor       UInt64,
    cursor_time  DateTime('UTC'),
    rpc_failures UInt32,
    last_error   String,
    at           DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(at)
ORDER BY chain_id
COMMENT 'latest ingest heartbeat per chain (head, cursor, RPC health)';
