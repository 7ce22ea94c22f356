/**
 * Generates grafana/dashboards/*.json: the operations, flows and alerts (Recommendation 11)
 * dashboards. Dashboards as code so that explorer links follow the chain table
 * (@mixwatch/chain CHAINS) and every query is written once; the JSON is committed so that Grafana
 * provisions it as is. Run: `node --import tsx grafana/build-dashboards.ts` (or `--check` to fail when
 * the committed JSON is stale). Checked by test/e2e/observability-dashboards.int.test.ts (every SQL runs in chDB,
 * every metric exists).
 *
 * ClickHouse panels use the official plugin (grafana-clickhouse-datasource) and its macros:
 * `$__timeFilter(col)` → `col >= toDateTime(from) AND col <= toDateTime(to)`,
 * `$__timeInterval(col)` → `toStartOfInterval(toDateTime(col), INTERVAL <panel interval> second)`.
 * Template variables are multi-value with All; SQL uses `${var:singlequote}` inside `IN (…)`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAINS } from '@mixwatch/chain';

const here = dirname(fileURLToPath(import.meta.url));

/** The ClickHouse datasource as provisioned (grafana/provisioning/datasources/mixwatch.yaml). */
export const CH = { type: 'grafana-clickhouse-datasource', uid: 'mixwatch-clickhouse' } as const;
/** The Prometheus datasource as provisioned. */
export const PROM = { type: 'prometheus', uid: 'mixwatch-prometheus' } as const;

type Json = Record<string, unknown>;

/** SQL: explorer URL of a transaction, per chain (Tronscan paths for TRON). */
function txUrlSql(chain = 'chain', hash = 'tx_hash'): string {
  const arms = CHAINS.map((c) =>
    c.addressFormat === 'tron'
      ? `${chain} = '${c.name}', concat('${c.explorer}/transaction/', replaceRegexpOne(${hash}, '^0x', ''))`
      : `${chain} = '${c.name}', concat('${c.explorer}/tx/', ${hash})`,
  );
  return `multiIf(${arms.join(', ')}, '')`;
}

/** SQL: explorer URL of an address, per chain. */
function addressUrlSql(chain = 'chain', address = 'address'): string {
  return `multiIf(${CHAINS.map((c) => `${chain} = '${c.name}', concat('${c.explorer}/address/', ${address})`).join(', ')}, '')`;
}

/** SQL: a human amount (decimals applied) as Float64 — for charts only; exact values stay in `amount`. */
const human = (amount = 'amount', decimals = 'decimals') => `toFloat64(${amount}) / pow(10, ${decimals})`;
const STABLES = `('USDT', 'USDC', 'DAI', 'USDD', 'TUSD', 'BUSD', 'USDP', 'PYUSD', 'FDUSD')`;

let nextId = 1;
interface Pos {
  x: number;
  y: number;
  w: number;
  h: number;
}

function base(type: string, title: string, description: string, gridPos: Pos, datasource: Json): Json {
  return { id: nextId++, type, title, description, gridPos, datasource };
}

function promTarget(expr: string, legend: string, refId: string): Json {
  return { datasource: PROM, expr, legendFormat: legend, refId, range: true, editorMode: 'code' };
}

function chTarget(rawSql: string, queryType: 'timeSeries' | 'table', refId = 'A'): Json {
  return { datasource: CH, editorType: 'sql', queryType, format: queryType === 'timeSeries' ? 0 : 1, rawSql: dedent(rawSql), refId };
}

function dedent(sql: string): string {
  const lines = sql.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function promTimeseries(title: string, description: string, gridPos: Pos, unit: string, queries: Array<[string, string]>): Json {
  return {
    ...base('timeseries', title, description, gridPos, PROM),
    targets: queries.map(([expr, legend], i) => promTarget(expr, legend, String.fromCharCode(65 + i))),
    fieldConfig: { defaults: { unit, custom: { lineWidth: 1, fillOpacity: 10 } }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi' } },
  };
}

function promStat(
  title: string,
  description: string,
  gridPos: Pos,
  unit: string,
  expr: string,
  legend: string,
  thresholds: Array<[number | null, string]>,
): Json {
  return {
    ...base('stat', title, description, gridPos, PROM),
    targets: [promTarget(expr, legend, 'A')],
    fieldConfig: {
      defaults: { unit, thresholds: { mode: 'absolute', steps: thresholds.map(([value, color]) => ({ value, color })) } },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'value_and_name',
    },
  };
}

function chTimeseries(title: string, description: string, gridPos: Pos, unit: string, sql: string, stacked = false): Json {
  return {
    ...base('timeseries', title, description, gridPos, CH),
    targets: [chTarget(sql, 'timeSeries')],
    fieldConfig: {
      defaults: {
        unit,
        custom: { drawStyle: 'bars', fillOpacity: 60, lineWidth: 1, stacking: { mode: stacked ? 'normal' : 'none', group: 'A' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] }, tooltip: { mode: 'multi' } },
  };
}

/** A table; `links` maps a shown column to the hidden column holding its URL. */
function chTable(
  title: string,
  description: string,
  gridPos: Pos,
  sql: string,
  links: Record<string, string> = {},
  units: Record<string, string> = {},
): Json {
  const overrides: Json[] = [];
  for (const [column, urlColumn] of Object.entries(links)) {
    overrides.push({
      matcher: { id: 'byName', options: column },
      properties: [
        { id: 'links', value: [{ title: 'Open in the block explorer', url: `\${__data.fields.${urlColumn}}`, targetBlank: true }] },
      ],
    });
    overrides.push({ matcher: { id: 'byName', options: urlColumn }, properties: [{ id: 'custom.hidden', value: true }] });
  }
  for (const [column, unit] of Object.entries(units))
    overrides.push({ matcher: { id: 'byName', options: column }, properties: [{ id: 'unit', value: unit }] });
  return {
    ...base('table', title, description, gridPos, CH),
    targets: [chTarget(sql, 'table')],
    fieldConfig: { defaults: { custom: { align: 'auto', filterable: true } }, overrides },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } },
  };
}

function row(title: string, y: number): Json {
  return { id: nextId++, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

function chVariable(name: string, label: string, query: string): Json {
  return {
    name,
    label,
    type: 'query',
    datasource: CH,
    query,
    definition: query,
    multi: true,
    includeAll: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    refresh: 2,
    sort: 1,
    options: [],
  };
}

function promVariable(name: string, label: string, query: string): Json {
  return {
    name,
    label,
    type: 'query',
    datasource: PROM,
    query: { query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition: query,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    refresh: 2,
    sort: 1,
    options: [],
  };
}

function dashboard(
  uid: string,
  title: string,
  description: string,
  tags: string[],
  variables: Json[],
  panels: Json[],
  from = 'now-7d',
): Json {
  return {
    uid,
    title,
    description,
    tags: ['mixwatch', ...tags],
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from, to: 'now' },
    templating: { list: variables },
    annotations: { list: [] },
    links: [{ title: 'mixwatch dashboards', type: 'dashboards', tags: ['mixwatch'], asDropdown: true, includeVars: true, keepTime: true }],
    panels,
  };
}

const R = '$__rate_interval';

/** (a) Operations: is the pipeline alive, keeping up, and delivering? */
export function operations(): Json {
  nextId = 1;
  const c = 'chain=~"$chain"';
  const panels: Json[] = [
    row('Chains: are we keeping up?', 0),
    promStat(
      'Seconds since the cursor advanced',
      'Per chain: wall clock minus the last time ingest published a new confirmed block. A silent outage shows here first (alert MixwatchChainNotAdvancing).',
      { x: 0, y: 1, w: 8, h: 5 },
      's',
      `time() - max by (chain) (mixwatch_ingest_last_progress_timestamp_seconds{${c}})`,
      '{{chain}}',
      [
        [null, 'green'],
        [300, 'orange'],
        [900, 'red'],
      ],
    ),
    promTimeseries(
      'Lag behind the head (blocks)',
      'Head minus cursor. Confirmations are part of it by design (see the chain table).',
      { x: 8, y: 1, w: 8, h: 8 },
      'short',
      [[`max by (chain) (mixwatch_ingest_lag_blocks{${c}})`, '{{chain}}']],
    ),
    promTimeseries('Lag behind the head (seconds)', 'Wall clock minus the block time of the cursor.', { x: 16, y: 1, w: 8, h: 8 }, 's', [
      [`max by (chain) (mixwatch_ingest_lag_seconds{${c}})`, '{{chain}}'],
    ]),
    chTable(
      'Chain status (last ingest heartbeat, ClickHouse)',
      'mixwatch.chain_status: what the ingest saw at its last poll — the same facts in the scaled deployment, where ingest runs in another process.',
      { x: 0, y: 6, w: 8, h: 8 },
      `
      SELECT chain, head, cursor, toInt64(head) - toInt64(cursor) AS lag_blocks,
             dateDiff('second', cursor_time, now()) AS cursor_age_s,
             rpc_failures, last_error, at AS heartbeat_at
      FROM mixwatch.chain_status FINAL
      WHERE match(chain, '^(\${chain:regex})$')
      ORDER BY chain`,
      {},
      { cursor_age_s: 's' },
    ),
    promTimeseries(
      'Head, ingest cursor and sink cursor',
      'The three should move together; a gap between ingest and sink cursors means the sink (store) is behind.',
      { x: 8, y: 9, w: 16, h: 8 },
      'short',
      [
        [`max by (chain) (mixwatch_ingest_head_block{${c}})`, 'head {{chain}}'],
        [`max by (chain) (mixwatch_ingest_cursor_block{${c}})`, 'ingest {{chain}}'],
        [`max by (chain) (mixwatch_sink_cursor_block{${c}})`, 'sink {{chain}}'],
      ],
    ),
    row('RPC', 17),
    promTimeseries(
      'RPC requests per second by method',
      'JSON-RPC calls (eth_getLogs, eth_getBlockByNumber, eth_getTransactionByHash…).',
      { x: 0, y: 18, w: 8, h: 8 },
      'reqps',
      [[`sum by (chain, method) (rate(mixwatch_rpc_requests_total{${c}}[${R}]))`, '{{chain}} {{method}}']],
    ),
    promTimeseries(
      'RPC errors per second by kind',
      'Failures by method and kind (timeout, rate_limited, server, range…), range splits, and getLogs reads that disagreed.',
      { x: 8, y: 18, w: 8, h: 8 },
      'reqps',
      [
        [`sum by (chain, method, kind) (rate(mixwatch_rpc_errors_total{${c}}[${R}]))`, '{{chain}} {{method}} {{kind}}'],
        [`sum by (chain) (rate(mixwatch_rpc_getlogs_splits_total{${c}}[${R}]))`, '{{chain}} getLogs range splits'],
        [
          `sum by (chain) (rate(mixwatch_ingest_log_read_disagreements_total{${c}}[${R}]))`,
          '{{chain}} getLogs answers that disagreed (provider inconsistent; logReads: 2 re-reads)',
        ],
      ],
    ),
    promTimeseries('RPC latency p95', 'From the request histogram.', { x: 16, y: 18, w: 8, h: 8 }, 's', [
      [
        `histogram_quantile(0.95, sum by (le, chain, method) (rate(mixwatch_rpc_request_duration_seconds_bucket{${c}}[${R}])))`,
        '{{chain}} {{method}}',
      ],
    ]),
    row('Throughput', 26),
    promTimeseries('Flows per second by chain', 'Decoded flows published by ingest.', { x: 0, y: 27, w: 8, h: 8 }, 'ops', [
      [`sum by (chain) (rate(mixwatch_ingest_flows_total{${c}}[${R}]))`, '{{chain}}'],
      [`sum by (chain) (rate(mixwatch_ingest_logs_total{${c}}[${R}]))`, 'logs {{chain}}'],
    ]),
    promTimeseries(
      'Reorgs',
      'Reorgs detected (parent-hash mismatch) and the depth of the last one.',
      { x: 8, y: 27, w: 8, h: 8 },
      'short',
      [
        [`sum by (chain) (increase(mixwatch_ingest_reorgs_total{${c}}[1h]))`, 'reorgs/h {{chain}}'],
        [`max by (chain) (mixwatch_ingest_last_reorg_depth_blocks{${c}})`, 'last depth {{chain}}'],
      ],
    ),
    promTimeseries(
      'Ingest → durable latency p95',
      'From ingest publishing a checkpoint to the sink making it durable.',
      { x: 16, y: 27, w: 8, h: 8 },
      's',
      [[`histogram_quantile(0.95, sum by (le, chain) (rate(mixwatch_sink_checkpoint_latency_seconds_bucket{${c}}[${R}])))`, '{{chain}}']],
    ),
    row('Store and bus', 35),
    promTimeseries('Store inserts (rows per second)', 'Rows written by table.', { x: 0, y: 36, w: 6, h: 8 }, 'rowsps', [
      ['sum by (table) (rate(mixwatch_store_insert_rows_total[$__rate_interval]))', '{{table}}'],
    ]),
    promTimeseries('Store insert latency p95', 'By table.', { x: 6, y: 36, w: 6, h: 8 }, 's', [
      ['histogram_quantile(0.95, sum by (le, table) (rate(mixwatch_store_insert_duration_seconds_bucket[$__rate_interval])))', '{{table}}'],
    ]),
    promTimeseries('Store errors per second', 'Failed (and retried) store operations.', { x: 12, y: 36, w: 6, h: 8 }, 'ops', [
      ['sum by (op) (rate(mixwatch_store_errors_total[$__rate_interval]))', '{{op}}'],
    ]),
    promTimeseries(
      'Bus: consumer lag and rates',
      'Messages waiting per consumer group; published and consumed per second.',
      { x: 18, y: 36, w: 6, h: 8 },
      'short',
      [
        ['max by (topic, group) (mixwatch_bus_consumer_lag_messages)', 'lag {{topic}} {{group}}'],
        ['sum by (topic) (rate(mixwatch_bus_messages_published_total[$__rate_interval]))', 'published/s {{topic}}'],
        ['sum by (topic, group) (rate(mixwatch_bus_messages_consumed_total[$__rate_interval]))', 'consumed/s {{topic}} {{group}}'],
      ],
    ),
    promTimeseries(
      'Dead letters per hour by stage',
      'Anything that failed to decode or validate (mixwatch.dlq.v1) — never silently dropped.',
      { x: 0, y: 44, w: 8, h: 8 },
      'short',
      [['sum by (stage) (increase(mixwatch_dlq_items_total[1h]))', '{{stage}}']],
    ),
    chTimeseries(
      'Dead letters by stage (ClickHouse)',
      'mixwatch.dlq rows per interval.',
      { x: 8, y: 44, w: 8, h: 8 },
      'short',
      `
      SELECT $__timeInterval(created_at) AS time, stage, count() AS items
      FROM mixwatch.dlq FINAL
      WHERE $__timeFilter(created_at)
      GROUP BY time, stage
      ORDER BY time`,
      true,
    ),
    promTimeseries(
      'Process memory',
      'Resident memory and V8 heap of each mixwatch process (default Node metrics, prefix mixwatch_process_).',
      { x: 16, y: 44, w: 4, h: 8 },
      'bytes',
      [
        ['mixwatch_process_process_resident_memory_bytes', 'rss {{instance}}'],
        ['mixwatch_process_nodejs_heap_size_used_bytes', 'heap {{instance}}'],
      ],
    ),
    promTimeseries('Event loop lag p99', 'A blocked event loop delays every role of the process.', { x: 20, y: 44, w: 4, h: 8 }, 's', [
      ['mixwatch_process_nodejs_eventloop_lag_p99_seconds', '{{instance}}'],
    ]),
    row('Alert delivery', 52),
    promTimeseries(
      'Deliveries by outcome',
      'Alerts delivered (sent, digested, fallback_text), failed for good, or left for a later round.',
      { x: 0, y: 53, w: 8, h: 8 },
      'short',
      [['sum by (channel, outcome) (increase(mixwatch_notify_deliveries_total[1h]))', '{{channel}} {{outcome}} /h']],
    ),
    promTimeseries(
      'Delivery failures by reason',
      'Failed HTTP attempts: rate_limited (429), server_error, timeout, network, rejected (4xx), invalid_payload.',
      { x: 8, y: 53, w: 8, h: 8 },
      'short',
      [
        ['sum by (channel, reason) (increase(mixwatch_notify_delivery_failures_total[1h]))', '{{channel}} {{reason}} /h'],
        [
          'histogram_quantile(0.95, sum by (le, channel) (rate(mixwatch_notify_delivery_duration_seconds_bucket[$__rate_interval])))',
          'p95 latency (s) {{channel}}',
        ],
      ],
    ),
    promTimeseries(
      'Outbox: waiting alerts and oldest age',
      'Alerts pending or held for a digest; the age of the oldest. Growing = a channel is down.',
      { x: 16, y: 53, w: 8, h: 8 },
      'short',
      [
        ['max by (channel) (mixwatch_notify_outbox_pending)', 'waiting {{channel}}'],
        ['max by (channel) (mixwatch_notify_outbox_oldest_age_seconds)', 'oldest age (s) {{channel}}'],
      ],
    ),
    chTable(
      'Recent failed delivery attempts (ClickHouse)',
      'mixwatch.notify_deliveries: every attempt and its outcome. Errors are redacted (no webhook URLs).',
      { x: 0, y: 61, w: 16, h: 8 },
      `
      SELECT at, channel, kind, message_id, attempt, outcome, http_status, error, duration_ms
      FROM mixwatch.notify_deliveries
      WHERE $__timeFilter(at) AND outcome != 'sent'
      ORDER BY at DESC
      LIMIT 200`,
      {},
      { duration_ms: 'ms' },
    ),
    chTable(
      'Outbox by channel and status (ClickHouse)',
      'mixwatch.notify_outbox: one row per (channel, alert). failed = refused for good (e.g. invalid payload even as text).',
      { x: 16, y: 61, w: 8, h: 8 },
      `
      SELECT channel, status, count() AS alerts, max(attempts) AS max_attempts,
             dateDiff('second', min(created_at), now()) AS oldest_age_s
      FROM mixwatch.notify_outbox FINAL
      GROUP BY channel, status
      ORDER BY channel, status`,
      {},
      { oldest_age_s: 's' },
    ),
  ];
  return dashboard(
    'mixwatch-operations',
    'mixwatch — operations',
    'Is mixwatch alive, keeping up with every chain, and delivering alerts? Prometheus metrics plus the ClickHouse heartbeat table.',
    ['operations'],
    [promVariable('chain', 'Chain', 'label_values(mixwatch_ingest_head_block, chain)')],
    panels,
    'now-6h',
  );
}

const FLOW_FILTER = `chain IN (\${chain:singlequote}) AND service IN (\${service:singlequote})`;

/** (b) Flows: what moves through mixers, bridges and stablecoins. */
export function flows(): Json {
  nextId = 1;
  const panels: Json[] = [
    row('Volume over time', 0),
    chTimeseries(
      'Flows by service',
      'Number of flows per interval and service (every decoded event: deposits, withdrawals, bridge legs, transfers…).',
      { x: 0, y: 1, w: 12, h: 9 },
      'short',
      `
      SELECT $__timeInterval(block_time) AS time, service, count() AS flows
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER}
      GROUP BY time, service
      ORDER BY time`,
      true,
    ),
    chTimeseries(
      'Flows by action',
      'deposit, withdrawal, shield/unshield, bridge_out/bridge_in, transfer, freeze…',
      { x: 12, y: 1, w: 12, h: 9 },
      'short',
      `
      SELECT $__timeInterval(block_time) AS time, action, count() AS flows
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER}
      GROUP BY time, action
      ORDER BY time`,
      true,
    ),
    chTimeseries(
      'Stablecoin volume by chain (USD)',
      'Stablecoins counted 1:1 in USD (USDT, USDC, DAI, USDD…); other tokens are in the tables below, in their own units.',
      { x: 0, y: 10, w: 12, h: 9 },
      'currencyUSD',
      `
      SELECT $__timeInterval(block_time) AS time, chain, sum(${human()}) AS usd
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER} AND token_symbol IN ${STABLES}
      GROUP BY time, chain
      ORDER BY time`,
      true,
    ),
    chTable(
      'Volume by service, chain and token',
      'Token units with decimals applied (Float64 for display; exact raw amounts are in mixwatch.flows.amount).',
      { x: 12, y: 10, w: 12, h: 9 },
      `
      SELECT service, chain, token_symbol, count() AS flows, round(sum(${human()}), 4) AS volume,
             uniqExact(from_address) AS senders, uniqExact(to_address) AS recipients
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER}
      GROUP BY service, chain, token_symbol
      ORDER BY flows DESC
      LIMIT 100`,
    ),
    row('Mixers and bridges', 19),
    chTable(
      'Top mixers',
      'Mixer contracts (Tornado Cash, Railgun…) by deposits; unique depositors use tx.from where the event has no actor.',
      { x: 0, y: 20, w: 12, h: 9 },
      `
      SELECT service, chain, token_symbol,
             countIf(action IN ('deposit', 'shield')) AS deposits,
             countIf(action IN ('withdrawal', 'unshield')) AS withdrawals,
             round(sumIf(${human()}, action IN ('deposit', 'shield')), 4) AS deposited,
             uniqExactIf(if(tx_from != '', tx_from, from_address), action IN ('deposit', 'shield')) AS depositors
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER} AND category = 'mixer'
      GROUP BY service, chain, token_symbol
      ORDER BY deposits DESC
      LIMIT 50`,
    ),
    chTable(
      'Top bridges',
      'Bridge departures and arrivals by route; counterparty_chain is where the other leg lives.',
      { x: 12, y: 20, w: 12, h: 9 },
      `
      SELECT service, chain, counterparty_chain, token_symbol,
             countIf(action = 'bridge_out') AS departures,
             countIf(action = 'bridge_in') AS arrivals,
             round(sum(${human()}), 4) AS volume,
             uniqExact(if(action = 'bridge_out', from_address, to_address)) AS addresses
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER} AND category = 'bridge'
      GROUP BY service, chain, counterparty_chain, token_symbol
      ORDER BY departures + arrivals DESC
      LIMIT 50`,
    ),
    row('Denomination bursts', 29),
    chTimeseries(
      'Mixer deposits by denomination',
      'Fixed-denomination pools make scripted mixing visible: a wall of top-denomination lots (e.g. 100 ETH every 6–8 minutes) is the denomination_burst typology.',
      { x: 0, y: 30, w: 12, h: 9 },
      'short',
      `
      SELECT $__timeInterval(block_time) AS time,
             concat(service, ' ', toString(round(${human()}, 4)), ' ', token_symbol) AS pool,
             count() AS deposits
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER} AND category = 'mixer' AND action IN ('deposit', 'shield')
      GROUP BY time, pool
      ORDER BY time`,
      true,
    ),
    chTable(
      'Bursts: depositors with 5+ lots of one pool in an hour',
      'Per depositor (tx.from), pool and hour. Click the depositor for the explorer.',
      { x: 12, y: 30, w: 12, h: 9 },
      `
      SELECT toStartOfHour(block_time) AS hour, chain, service,
             if(tx_from != '', tx_from, from_address) AS depositor,
             ${addressUrlSql('chain', "if(tx_from != '', tx_from, from_address)")} AS depositor_url,
             token_symbol, round(${human()}, 4) AS denomination, count() AS lots,
             dateDiff('minute', min(block_time), max(block_time)) AS span_min
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER} AND category = 'mixer' AND action IN ('deposit', 'shield')
      GROUP BY hour, chain, service, depositor, depositor_url, token_symbol, denomination
      HAVING lots >= 5
      ORDER BY lots DESC, hour DESC
      LIMIT 100`,
      { depositor: 'depositor_url' },
    ),
    row('Recent flows', 39),
    chTable(
      'Recent flows',
      'The last 200 flows; tx hash and addresses link to the explorer of their chain.',
      { x: 0, y: 40, w: 24, h: 10 },
      `
      SELECT block_time, chain, service, action, from_address, to_address, token_symbol,
             round(${human()}, 6) AS value, tx_hash,
             ${txUrlSql()} AS tx_url,
             ${addressUrlSql('chain', 'from_address')} AS from_url,
             ${addressUrlSql('chain', 'to_address')} AS to_url
      FROM mixwatch.flows
      WHERE $__timeFilter(block_time) AND ${FLOW_FILTER}
      ORDER BY block_time DESC, log_index DESC
      LIMIT 200`,
      { tx_hash: 'tx_url', from_address: 'from_url', to_address: 'to_url' },
    ),
  ];
  return dashboard(
    'mixwatch-flows',
    'mixwatch — flows',
    'What moves through mixers, bridges and stablecoins: volume by service, chain and action; top mixers and bridges; denomination bursts.',
    ['flows'],
    [
      chVariable('chain', 'Chain', 'SELECT DISTINCT chain FROM mixwatch.flows ORDER BY chain'),
      chVariable(
        'service',
        'Service',
        `SELECT DISTINCT service FROM mixwatch.flows WHERE chain IN (\${chain:singlequote}) ORDER BY service`,
      ),
    ],
    panels,
  );
}

const ALERT_FILTER = `chain IN (\${chain:singlequote}) AND service IN (\${service:singlequote})`;

/** (c) Alerts and Recommendation 11. */
export function alerts(): Json {
  nextId = 1;
  const panels: Json[] = [
    row('Alerts', 0),
    chTimeseries(
      'Alerts over time by rule',
      'Alerts by the block time of their evidence (mixwatch.alerts, one row per deterministic alert_id).',
      { x: 0, y: 1, w: 16, h: 9 },
      'short',
      `
      SELECT $__timeInterval(block_time) AS time, rule, count() AS alerts
      FROM mixwatch.alerts FINAL
      WHERE $__timeFilter(block_time) AND ${ALERT_FILTER}
      GROUP BY time, rule
      ORDER BY time`,
      true,
    ),
    chTable(
      'Alerts by severity and delivery',
      'Counts in the time range, and how many reached every channel (mixwatch.notify_outbox).',
      { x: 16, y: 1, w: 8, h: 9 },
      `
      SELECT a.severity AS severity, count() AS alerts,
             countIf(o.waiting = 0 AND o.channels > 0) AS delivered,
             countIf(o.waiting > 0) AS waiting
      FROM (SELECT alert_id, severity FROM mixwatch.alerts FINAL WHERE $__timeFilter(block_time) AND ${ALERT_FILTER}) AS a
      LEFT JOIN (
        SELECT alert_id, count() AS channels, countIf(status IN ('pending', 'held')) AS waiting
        FROM mixwatch.notify_outbox FINAL GROUP BY alert_id
      ) AS o ON o.alert_id = a.alert_id
      GROUP BY severity
      ORDER BY indexOf(['critical', 'high', 'medium', 'low', 'info'], severity)`,
    ),
    row('Recommendation 11: services consistently used by tainted funds', 10),
    chTable(
      'Service ranking (Recommendation 11)',
      'mixwatch.service_usage (detect): services that tainted funds use, ranked by how consistently (days active in the last 30/90 days of data) and how much. Volume per token, decimals applied.',
      { x: 0, y: 11, w: 14, h: 10 },
      `
      SELECT service, category, days_active_30d, days_active_90d, tainted_flows, tainted_addresses,
             arrayStringConcat(arrayMap((k, v) -> concat(toString(round(v, 2)), ' ', k), mapKeys(tainted_volume), mapValues(tainted_volume)), ', ') AS tainted_volume,
             first_seen, last_seen
      FROM mixwatch.service_usage
      ORDER BY days_active_90d DESC, tainted_flows DESC
      LIMIT 100`,
    ),
    chTable(
      'Services in alerts',
      'Alerts per service in the time range: which mixers, bridges and exchanges the typologies keep meeting.',
      { x: 14, y: 11, w: 10, h: 10 },
      `
      SELECT service, count() AS alerts, uniqExact(rule) AS rules, uniqExact(address) AS addresses,
             uniqExact(toDate(block_time)) AS days, max(block_time) AS last_alert
      FROM mixwatch.alerts FINAL
      WHERE $__timeFilter(block_time) AND ${ALERT_FILTER} AND service != ''
      GROUP BY service
      ORDER BY days DESC, alerts DESC
      LIMIT 50`,
    ),
    chTimeseries(
      'Tainted volume by service (USD stablecoins)',
      'mixwatch.taint_flows: flows with a tainted party, stablecoins at 1:1 USD.',
      { x: 0, y: 21, w: 12, h: 9 },
      'currencyUSD',
      `
      SELECT $__timeInterval(block_time) AS time, service, sum(${human()}) AS usd
      FROM mixwatch.taint_flows FINAL
      WHERE $__timeFilter(block_time) AND chain IN (\${chain:singlequote}) AND token_symbol IN ${STABLES}
      GROUP BY time, service
      ORDER BY time`,
      true,
    ),
    chTable(
      'Tainted volume by service and token',
      'All tokens in their own units, with the taint score range (1 = labelled or direct; mixer hops are scored lower).',
      { x: 12, y: 21, w: 12, h: 9 },
      `
      SELECT service, service_category, chain, token_symbol, count() AS flows,
             round(sum(${human()}), 4) AS volume, uniqExact(address) AS tainted_addresses,
             round(min(score), 3) AS min_score, round(max(score), 3) AS max_score
      FROM mixwatch.taint_flows FINAL
      WHERE $__timeFilter(block_time) AND chain IN (\${chain:singlequote})
      GROUP BY service, service_category, chain, token_symbol
      ORDER BY flows DESC
      LIMIT 100`,
    ),
    row('Recent alerts', 30),
    chTable(
      'Recent alerts',
      'The last 200 alerts; the tx hash and address link to the explorer of their chain. Dig further with `mixwatch sql` on mixwatch.alerts (details holds the evidence as JSON).',
      { x: 0, y: 31, w: 24, h: 12 },
      `
      SELECT block_time, severity, rule, chain, service, title, address, tx_hash,
             ${txUrlSql()} AS tx_url,
             ${addressUrlSql()} AS address_url,
             alert_id
      FROM mixwatch.alerts FINAL
      WHERE $__timeFilter(block_time) AND ${ALERT_FILTER}
      ORDER BY block_time DESC
      LIMIT 200`,
      { tx_hash: 'tx_url', address: 'address_url' },
    ),
  ];
  return dashboard(
    'mixwatch-alerts',
    'mixwatch — alerts and Recommendation 11',
    'Alerts by rule over time, the Recommendation 11 service ranking, tainted volume by service, and recent alerts with explorer links.',
    ['alerts', 'recommendation-11'],
    [
      chVariable('chain', 'Chain', 'SELECT DISTINCT chain FROM mixwatch.alerts ORDER BY chain'),
      chVariable(
        'service',
        'Service',
        `SELECT DISTINCT service FROM mixwatch.alerts WHERE chain IN (\${chain:singlequote}) ORDER BY service`,
      ),
    ],
    panels,
  );
}

/** The dashboards by file name. */
export function allDashboards(): Record<string, Json> {
  return { 'operations.json': operations(), 'flows.json': flows(), 'alerts.json': alerts() };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, d] of Object.entries(allDashboards())) {
    const path = join(here, 'dashboards', file);
    const text = `${JSON.stringify(d, null, 2)}\n`;
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {}
      if (current !== text) {
        console.error(`grafana/dashboards/${file} is stale: run node --import tsx grafana/build-dashboards.ts`);
        stale++;
      }
    } else {
      writeFileSync(path, text);
      console.log(`wrote grafana/dashboards/${file}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
