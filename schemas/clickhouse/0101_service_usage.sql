-- Recommendation 11 ranking, second version: one comparable volume (stablecoins, ~USD), both
-- rankings as columns, and the share of each service's own flows that tainted funds make up.
-- The 30/90-day windows end at the latest tainted flow (= now on a live daemon; meaningful on replays).

CREATE OR REPLACE VIEW mixwatch.service_usage AS
WITH (SELECT max(block_time) FROM mixwatch.taint_flows FINAL) AS ref_time
SELECT
    u.service AS service,
    u.cat AS category,
    u.tainted_flows AS tainted_flows,
    u.tainted_addresses AS tainted_addresses,
    round(u.stable_volume, 2) AS tainted_stablecoin_volume,
    u.volume AS tainted_volume,
    u.d30 AS days_active_30d,
    u.d90 AS days_active_90d,
    round(u.flows_30d / greatest(a.all_flows_30d, 1), 4) AS tainted_share_30d,
    rank() OVER (ORDER BY u.d90 DESC, u.d30 DESC) AS rank_by_consistency,
    rank() OVER (ORDER BY u.stable_volume DESC) AS rank_by_stablecoin_volume,
    u.first AS first_seen,
    u.last AS last_seen
FROM
(
    SELECT
        service,
        any(service_category) AS cat,
        count() AS tainted_flows,
        uniqExact(address) AS tainted_addresses,
        sumIf(toFloat64(amount) / pow(10, decimals), token_symbol IN ('USDT', 'USDC', 'USDD', 'DAI', 'BUSD', 'USDC.e', 'USDT0')) AS stable_volume,
        sumMap(map(token_symbol, toFloat64(amount) / pow(10, decimals))) AS volume,
        uniqExactIf(toDate(block_time), block_time > ref_time - INTERVAL 30 DAY) AS d30,
        uniqExactIf(toDate(block_time), block_time > ref_time - INTERVAL 90 DAY) AS d90,
        uniqExactIf(flow_id, block_time > ref_time - INTERVAL 30 DAY) AS flows_30d,
        min(block_time) AS first,
        max(block_time) AS last
    FROM mixwatch.taint_flows FINAL
    WHERE service != ''
    GROUP BY service
) AS u
LEFT JOIN
(
    SELECT service, count() AS all_flows_30d
    FROM mixwatch.flows FINAL
    WHERE block_time > (SELECT max(block_time) FROM mixwatch.taint_flows FINAL) - INTERVAL 30 DAY
    GROUP BY service
) AS a ON a.service = u.service
ORDER BY rank_by_consistency, rank_by_stablecoin_volume;

CREATE VIEW IF NOT EXISTS mixwatch.service_usage_daily AS
SELECT
    toDate(block_time) AS day,
    service,
    any(service_category) AS category,
    uniqExact(flow_id) AS tainted_flows,
    uniqExact(address) AS tainted_addresses,
    sumMap(map(token_symbol, toFloat64(amount) / pow(10, decimals))) AS tainted_volume
FROM mixwatch.taint_flows FINAL
WHERE service != ''
GROUP BY day, service
ORDER BY day, service;
