-- Detection state and analyst views (services/detect, packages/labels). Reserved range 0100-0199.
-- Every table is keyed by a deterministic identity and ReplacingMergeTree, so the detector may
-- write the same fact twice (at-least-once bus, replay after a crash) without changing results.

CREATE TABLE IF NOT EXISTS mixwatch.labels
(
    address    String COMMENT 'EVM lowercase 0x (one key on every EVM chain), TRON base58',
    chain      LowCardinality(String) COMMENT 'where the source saw it',
    label      String,
    category   LowCardinality(String) COMMENT 'sanctioned, dprk_attributed, watchlist, exchange, otc, swap_service, bridge, mixer',
    source     String COMMENT 'where the fact comes from',
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (address, chain, category)
COMMENT 'labelled addresses: OFAC SDN, public DPRK attributions, user watchlists, service contracts';

CREATE TABLE IF NOT EXISTS mixwatch.taint
(
    address    String,
    chain      LowCardinality(String) COMMENT 'chain where the address received the taint',
    score      Float64 COMMENT '0..1: 1 = labelled or direct transfer; mixer hops scored by anonymity set and heuristics',
    hops       UInt16 COMMENT 'flows between the labelled origin and this address',
    origin     String COMMENT 'labelled address the taint starts at',
    origin_label String,
    path       Array(String) COMMENT 'addresses from the origin to this one',
    via        LowCardinality(String) COMMENT 'label, transfer, native_transfer, bridge_pair, bridge_out, mixer',
    heuristic  String COMMENT 'mixer linking heuristics that matched, comma-separated',
    flow_id    String COMMENT 'the flow that tainted it (empty for labels)',
    tx_hash    String,
    block_time DateTime('UTC'),
    INDEX idx_origin origin TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
ORDER BY (address, flow_id)
COMMENT 'every taint fact; the current taint of an address is its best row (see taint_current)';

CREATE VIEW IF NOT EXISTS mixwatch.taint_current AS
SELECT
    address,
    best.1 AS chain,
    best.2 AS score,
    best.3 AS hops,
    best.4 AS origin,
    best.5 AS origin_label,
    best.6 AS path,
    best.7 AS via,
    first_tainted
FROM
(
    SELECT
        address,
        argMax(tuple(chain, score, hops, origin, origin_label, path, via), tuple(score, -toInt32(hops))) AS best,
        min(block_time) AS first_tainted
    FROM mixwatch.taint FINAL
    GROUP BY address
);

CREATE TABLE IF NOT EXISTS mixwatch.taint_flows
(
    flow_id      String,
    address      String COMMENT 'the tainted party of the flow',
    role         LowCardinality(String) COMMENT 'sender or recipient',
    chain        LowCardinality(String),
    block_time   DateTime('UTC'),
    tx_hash      String,
    service      LowCardinality(String) COMMENT 'registry service, or the label of the exchange/OTC/swap counterparty',
    service_category LowCardinality(String),
    action       LowCardinality(String),
    token        String,
    token_symbol LowCardinality(String),
    amount       UInt256,
    decimals     UInt8,
    score        Float64,
    hops         UInt16
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(block_time)
ORDER BY (flow_id, address)
COMMENT 'flows with a tainted party: the base of the Recommendation 11 view';

CREATE TABLE IF NOT EXISTS mixwatch.bridge_pairs
(
    out_flow_id  String,
    in_flow_id   String,
    service      LowCardinality(String),
    method       LowCardinality(String) COMMENT 'ref (the bridge''s own id) or amount_time',
    confidence   Float64,
    out_chain    LowCardinality(String),
    in_chain     LowCardinality(String),
    out_address  String,
    in_address   String,
    bridge_ref   String,
    token_symbol LowCardinality(String),
    out_amount   UInt256,
    in_amount    UInt256,
    out_time     DateTime('UTC'),
    in_time      DateTime('UTC'),
    tainted      UInt8
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(out_time)
ORDER BY (out_flow_id, in_flow_id)
COMMENT 'bridge departures paired with their arrivals';

CREATE VIEW IF NOT EXISTS mixwatch.bridge_pairing_rate AS
SELECT
    o.service AS service,
    o.chain AS out_chain,
    count() AS departures,
    countIf(p.out_flow_id != '') AS paired,
    round(paired / departures, 4) AS pairing_rate,
    countIf(p.method = 'ref') AS by_ref,
    countIf(p.method = 'amount_time') AS by_amount_time
FROM (SELECT flow_id, service, chain FROM mixwatch.flows FINAL WHERE action = 'bridge_out') AS o
LEFT JOIN (SELECT out_flow_id, any(method) AS method FROM mixwatch.bridge_pairs FINAL GROUP BY out_flow_id) AS p
    ON p.out_flow_id = o.flow_id
GROUP BY service, out_chain
ORDER BY departures DESC;

CREATE VIEW IF NOT EXISTS mixwatch.watched_addresses AS
SELECT address, 'label' AS why, 1.0 AS score
FROM mixwatch.labels FINAL
WHERE category IN ('sanctioned', 'dprk_attributed', 'watchlist')
UNION ALL
SELECT address, 'taint' AS why, score
FROM mixwatch.taint_current;

CREATE VIEW IF NOT EXISTS mixwatch.service_usage AS
WITH (SELECT max(block_time) FROM mixwatch.taint_flows FINAL) AS ref_time
SELECT
    service,
    any(service_category) AS category,
    count() AS tainted_flows,
    uniqExact(address) AS tainted_addresses,
    sumMap(map(token_symbol, toFloat64(amount) / pow(10, decimals))) AS tainted_volume,
    uniqExactIf(toDate(block_time), block_time > ref_time - INTERVAL 30 DAY) AS days_active_30d,
    uniqExactIf(toDate(block_time), block_time > ref_time - INTERVAL 90 DAY) AS days_active_90d,
    min(block_time) AS first_seen,
    max(block_time) AS last_seen
FROM mixwatch.taint_flows FINAL
WHERE service != ''
GROUP BY service
ORDER BY days_active_90d DESC, tainted_flows DESC;
