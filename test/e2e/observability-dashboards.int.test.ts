// Dashboards and alerting rules against the real schema and the real metric registry:
// every ClickHouse query of every dashboard (plugin macros and template variables substituted the
// way Grafana and grafana-clickhouse-datasource do) runs in chDB with all migrations applied and a
// small realistic data set, and returns the columns its panel uses; every metric named in a
// dashboard or in deploy/prometheus/rules.yml is defined by createMetrics(); promtool checks and
// unit-tests the rules.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createMetrics, createTestCommon } from '@mixwatch/core';
import { createStore, type Store } from '@mixwatch/store';
import { parse } from 'yaml';
import { allDashboards } from '../../grafana/build-dashboards.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
type Json = Record<string, any>;

const dashboards: Record<string, Json> = Object.fromEntries(
  readdirSync(join(root, 'grafana/dashboards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(root, 'grafana/dashboards', f), 'utf8'))]),
);

function panelsOf(d: Json): Json[] {
  return (d.panels as Json[]).flatMap((p) => [p, ...((p.panels as Json[]) ?? [])]);
}

let dir: string;
let store: Store;
const common = createTestCommon();
const NOW = Math.floor(Date.now() / 1000);
const DAY = 86_400;
const FROM = NOW - 7 * DAY;
const TO = NOW + 3600;

const iso = (sec: number) => new Date(sec * 1000).toISOString();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mixwatch-dash-'));
  store = await createStore({ common, dataDir: dir });
  await store.migrate();
  const t0 = Math.floor((NOW - DAY) / 3600) * 3600; // the burst stays inside one clock hour
  const flow = (i: number, over: Record<string, unknown>) => ({
    flow_id: `1:0x${i.toString(16).padStart(64, '0')}:0:0`,
    chain: 'ethereum',
    chain_id: 1,
    block_number: 20_000_000 + i,
    block_time: t0 + i * 420,
    block_hash: `0x${'b'.repeat(64)}`,
    tx_hash: `0x${i.toString(16).padStart(64, '0')}`,
    log_index: 0,
    sub_index: 0,
    contract: '0xa160cdab225685da1d56aa342ad8841c3b53f291',
    event: 'Deposit',
    service: 'tornado',
    category: 'mixer',
    action: 'deposit',
    from_address: '0xa160cdab225685da1d56aa342ad8841c3b53f291',
    to_address: '0xa160cdab225685da1d56aa342ad8841c3b53f291',
    tx_from: '0x04786aada9deea2150deab7b3b8911c309f5ed90',
    token: 'native',
    token_symbol: 'ETH',
    amount: '100000000000000000000',
    decimals: 18,
    counterparty_chain: '',
    bridge_ref: '',
    extra: '{}',
    ...over,
  });
  const flows = [
    // a denomination burst: 6 lots of 100 ETH from one sender within an hour
    ...Array.from({ length: 6 }, (_, i) => flow(i, { block_time: t0 + i * 400 })),
    flow(10, { action: 'withdrawal', event: 'Withdrawal', to_address: '0x1111111111111111111111111111111111111111', tx_from: '' }),
    flow(11, {
      service: 'wormhole',
      category: 'bridge',
      action: 'bridge_out',
      event: 'LogMessagePublished',
      from_address: '0x1111111111111111111111111111111111111111',
      counterparty_chain: 'bsc',
      bridge_ref: '2/abc/1',
    }),
    flow(12, {
      chain: 'tron',
      chain_id: 728126428,
      service: 'usdt',
      category: 'stablecoin',
      action: 'transfer',
      event: 'Transfer',
      from_address: 'TXFBqBbqJommqZf7BV8NNYzePh97UmJodJ',
      to_address: 'TQ4ge2gbNS2aN8dmvPsyCQGsvt2aS3u9uC',
      token: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      token_symbol: 'USDT',
      amount: '2500000000000',
      decimals: 6,
    }),
  ];
  await store.insert('flows', flows);
  const alert = (i: number, over: Record<string, unknown>) => ({
    alert_id: `alert${i}`,
    rule: 'denomination_burst',
    severity: 'high',
    chain: 'ethereum',
    block_time: t0 + i * 60,
    tx_hash: `0x${i.toString(16).padStart(64, '0')}`,
    address: '0x04786aada9deea2150deab7b3b8911c309f5ed90',
    service: 'tornado',
    amount: '600000000000000000000',
    title: '6 lots of 100 ETH in an hour',
    details: '{}',
    created_at: iso(NOW),
    ...over,
  });
  await store.insert('alerts', [
    alert(1, {}),
    alert(2, {
      rule: 'stablecoin_exit',
      severity: 'critical',
      chain: 'tron',
      service: 'usdt',
      address: 'TQ4ge2gbNS2aN8dmvPsyCQGsvt2aS3u9uC',
    }),
    alert(3, { rule: 'mixer_to_bridge', severity: 'medium', service: 'wormhole' }),
  ]);
  await store.insert('chain_status', [
    {
      chain: 'ethereum',
      chain_id: 1,
      head: 20_000_100,
      cursor: 20_000_088,
      cursor_time: iso(NOW - 150),
      rpc_failures: 0,
      last_error: '',
      at: iso(NOW),
    },
    {
      chain: 'tron',
      chain_id: 728126428,
      head: 60_000_000,
      cursor: 59_999_981,
      cursor_time: iso(NOW - 60),
      rpc_failures: 2,
      last_error: 'timeout',
      at: iso(NOW),
    },
  ]);
  await store.insert('dlq', [
    {
      dlq_id: 'd1',
      stage: 'ingest.decode',
      reason: 'unexpected data length',
      chain: 'ethereum',
      chain_id: 1,
      block_number: 1,
      tx_hash: '0x1',
      log_index: 0,
      payload: '{}',
      created_at: iso(NOW - 3600),
    },
  ]);
  await store.insert('taint_flows', [
    {
      flow_id: 'f12',
      address: 'TXFBqBbqJommqZf7BV8NNYzePh97UmJodJ',
      role: 'sender',
      chain: 'tron',
      block_time: t0,
      tx_hash: '0xc',
      service: 'usdt',
      service_category: 'stablecoin',
      action: 'transfer',
      token: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      token_symbol: 'USDT',
      amount: '2500000000000',
      decimals: 6,
      score: 1,
      hops: 2,
    },
    {
      flow_id: 'f0',
      address: '0x04786aada9deea2150deab7b3b8911c309f5ed90',
      role: 'sender',
      chain: 'ethereum',
      block_time: t0,
      tx_hash: '0x0',
      service: 'tornado',
      service_category: 'mixer',
      action: 'deposit',
      token: 'native',
      token_symbol: 'ETH',
      amount: '100000000000000000000',
      decimals: 18,
      score: 1,
      hops: 0,
    },
  ]);
  await store.insert('notify_outbox', [
    {
      channel: 'slack',
      alert_id: 'alert1',
      rule: 'denomination_burst',
      severity: 'high',
      chain: 'ethereum',
      address: '0x04786aada9deea2150deab7b3b8911c309f5ed90',
      digest_key: 'k',
      alert: '{}',
      status: 'sent',
      attempts: 2,
      next_attempt: iso(NOW),
      last_error: '',
      digest_id: '',
      created_at: iso(NOW - 600),
      sent_at: iso(NOW - 500),
      version: 1,
    },
    {
      channel: 'slack',
      alert_id: 'alert2',
      rule: 'stablecoin_exit',
      severity: 'critical',
      chain: 'tron',
      address: 'TQ4ge2gbNS2aN8dmvPsyCQGsvt2aS3u9uC',
      digest_key: 'k2',
      alert: '{}',
      status: 'pending',
      attempts: 1,
      next_attempt: iso(NOW + 60),
      last_error: 'channel slack: server error 503',
      digest_id: '',
      created_at: iso(NOW - 300),
      sent_at: null,
      version: 1,
    },
  ]);
  await store.insert('notify_deliveries', [
    {
      channel: 'slack',
      kind: 'alert',
      message_id: 'alert2',
      alert_ids: ['alert2'],
      attempt: 1,
      outcome: 'server_error',
      http_status: 503,
      error: 'channel slack: server error 503',
      duration_ms: 12,
      at: iso(NOW - 200),
    },
  ]);
});

after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** grafana-clickhouse-datasource's macros (pkg/macros/macros.go) for the test's time range and a 1 h interval. */
function expandMacros(sql: string): string {
  return sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, col: string) => `${col} >= toDateTime(${FROM}) AND ${col} <= toDateTime(${TO})`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_m, col: string) => `toStartOfInterval(toDateTime(${col}), INTERVAL 3600 second)`)
    .replace(/\$__fromTime\b/g, `toDateTime(${FROM})`)
    .replace(/\$__toTime\b/g, `toDateTime(${TO})`)
    .replace(/\$__interval_s\b/g, '3600');
}

/** Grafana's variable interpolation with every variable at "All" (multi-value: all its values). */
function expandVariables(sql: string, values: Record<string, string[]>, allValues: Record<string, string>): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (m, name1?: string, fmt?: string, name2?: string) => {
    const name = name1 ?? name2 ?? '';
    if (name.startsWith('__')) return m;
    if (fmt === 'regex' || (!fmt && allValues[name] !== undefined)) return allValues[name] ?? values[name]?.join('|') ?? m;
    const vs = values[name];
    assert.ok(vs, `variable ${name} has no values`);
    if (fmt === 'singlequote') return vs.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    return vs.join(',');
  });
}

async function run(sql: string): Promise<{ meta: Array<{ name: string; type: string }>; data: Json[] }> {
  return JSON.parse(await store.queryText(sql, 'JSON')) as { meta: Array<{ name: string; type: string }>; data: Json[] };
}

/** The columns a panel refers to: field overrides by name and `${__data.fields.X}` in links. */
function referencedColumns(panel: Json): string[] {
  const out = new Set<string>();
  for (const o of (panel.fieldConfig?.overrides as Json[]) ?? []) if (o.matcher?.id === 'byName') out.add(String(o.matcher.options));
  for (const m of JSON.stringify(panel).matchAll(/\$\{__data\.fields\.(\w+)\}/g)) out.add(m[1]!);
  return [...out];
}

test('the committed dashboard JSON is what grafana/build-dashboards.ts generates', () => {
  const generated = allDashboards();
  assert.deepEqual(Object.keys(dashboards).sort(), Object.keys(generated).sort());
  for (const [file, d] of Object.entries(generated)) assert.deepEqual(dashboards[file], JSON.parse(JSON.stringify(d)), `${file} is stale`);
});

test('dashboards use only the provisioned datasources and have chain and service variables', () => {
  const ds = parse(readFileSync(join(root, 'grafana/provisioning/datasources/mixwatch.yaml'), 'utf8')) as { datasources: Json[] };
  const uids = new Map(ds.datasources.map((d) => [d.uid as string, d.type as string]));
  assert.equal(uids.get('mixwatch-clickhouse'), 'grafana-clickhouse-datasource');
  assert.equal(uids.get('mixwatch-prometheus'), 'prometheus');
  for (const [file, d] of Object.entries(dashboards)) {
    const names = (d.templating.list as Json[]).map((v) => v.name);
    assert.ok(names.includes('chain'), `${file}: chain variable`);
    if (file !== 'operations.json') assert.ok(names.includes('service'), `${file}: service variable`);
    const ids = new Set<number>();
    for (const p of panelsOf(d)) {
      assert.ok(!ids.has(p.id), `${file}: duplicate panel id ${p.id}`);
      ids.add(p.id);
      for (const t of [p, ...((p.targets as Json[]) ?? [])]) {
        if (!t.datasource) continue;
        assert.equal(uids.get(t.datasource.uid), t.datasource.type, `${file} "${p.title}": datasource ${t.datasource.uid}`);
      }
    }
  }
});

test('every ClickHouse query of every dashboard runs on the real schema and returns the columns its panel uses', async () => {
  let checked = 0;
  for (const [file, d] of Object.entries(dashboards)) {
    const values: Record<string, string[]> = {};
    const allValues: Record<string, string> = {};
    for (const v of d.templating.list as Json[]) {
      if (v.allValue) allValues[v.name] = v.allValue;
      if (v.datasource?.type !== 'grafana-clickhouse-datasource') continue;
      const sql = expandVariables(expandMacros(String(v.query)), values, allValues);
      const r = await run(sql);
      assert.ok(r.data.length > 0, `${file}: variable ${v.name} has no values`);
      values[v.name] = r.data.map((row) => String(Object.values(row)[0]));
      checked++;
    }
    for (const p of panelsOf(d)) {
      for (const t of (p.targets as Json[]) ?? []) {
        if (t.datasource?.type !== 'grafana-clickhouse-datasource') continue;
        const where = `${file} "${p.title}"`;
        const sql = expandVariables(expandMacros(String(t.rawSql)), values, allValues);
        assert.ok(!/\$/.test(sql.replace(/'[^']*'/g, '')), `${where}: unexpanded macro or variable in\n${sql}`);
        let r: Awaited<ReturnType<typeof run>>;
        try {
          r = await run(sql);
        } catch (error) {
          assert.fail(`${where}: query failed: ${(error as Error).message}\n${sql}`);
        }
        const columns = r.meta.map((m) => m.name);
        assert.ok(r.data.length > 0, `${where}: no rows on the sample data\n${sql}`);
        for (const c of referencedColumns(p))
          assert.ok(columns.includes(c), `${where}: panel uses column ${c}, query returns ${columns.join(', ')}`);
        if (t.queryType === 'timeSeries') {
          assert.equal(r.meta[0]?.name, 'time', `${where}: a time series starts with a time column`);
          assert.match(r.meta[0]!.type, /^DateTime/, `${where}: time column type`);
          assert.ok(
            r.meta.slice(1).some((m) => /Int|Float|Decimal/.test(m.type)),
            `${where}: a time series needs a numeric column (got ${r.meta.map((m) => `${m.name}:${m.type}`).join(', ')})`,
          );
        }
        checked++;
      }
    }
  }
  // Independent count: every rawSql and every ClickHouse variable query in the JSON text was run.
  const expected = Object.values(dashboards).reduce(
    (n, d) =>
      n +
      (JSON.stringify(d).match(/"rawSql":/g)?.length ?? 0) +
      (d.templating.list as Json[]).filter((v) => v.datasource?.type === 'grafana-clickhouse-datasource').length,
    0,
  );
  assert.equal(checked, expected);
  assert.ok(checked > 20);
});

/** Names as exposed on /metrics (histograms add _bucket/_count/_sum) with their label names. */
async function exposedMetricNames(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const { registry } = createMetrics({ defaultMetrics: true });
  for (const m of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    const labels = new Set([...(metric?.labelNames ?? []), 'instance', 'job']);
    out.set(m.name, labels);
    if (String(m.type) === 'histogram') {
      out.set(`${m.name}_bucket`, new Set([...labels, 'le']));
      out.set(`${m.name}_count`, labels);
      out.set(`${m.name}_sum`, labels);
    }
  }
  return out;
}

/** PromQL expressions of dashboards (targets and variables) and of the alerting rules. */
function promExpressions(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const [file, d] of Object.entries(dashboards)) {
    for (const v of d.templating.list as Json[])
      if (v.datasource?.type === 'prometheus') out.push({ where: `${file} variable ${v.name}`, expr: v.query.query });
    for (const p of panelsOf(d))
      for (const t of (p.targets as Json[]) ?? [])
        if (t.datasource?.type === 'prometheus') out.push({ where: `${file} "${p.title}"`, expr: t.expr });
  }
  const rules = parse(readFileSync(join(root, 'deploy/prometheus/rules.yml'), 'utf8')) as { groups: Array<{ rules: Json[] }> };
  for (const g of rules.groups) for (const r of g.rules) out.push({ where: `rules.yml ${r.alert}`, expr: r.expr });
  return out;
}

test('every metric named in a dashboard or an alerting rule is defined in createMetrics(), with the labels used', async () => {
  const known = await exposedMetricNames();
  assert.ok(known.has('mixwatch_rpc_request_duration_seconds_bucket'), 'histogram suffixes expanded');
  assert.ok(known.has('mixwatch_process_process_resident_memory_bytes'), 'default metrics included');
  const exprs = promExpressions();
  assert.ok(exprs.length >= 40, `only ${exprs.length} PromQL expressions found`);
  let named = 0;
  for (const { where, expr } of exprs) {
    for (const m of expr.matchAll(/\b(mixwatch_[a-z0-9_]+)(\{[^}]*\})?/g)) {
      const name = m[1]!;
      named++;
      assert.ok(known.has(name), `${where}: ${name} is not defined in packages/core/src/metrics.ts`);
      for (const l of (m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g))
        assert.ok(known.get(name)!.has(l[1]!), `${where}: ${name} has no label ${l[1]} (labels: ${[...known.get(name)!].join(', ')})`);
    }
    // `by (…)` labels must exist on at least one metric of the expression
    const metricsInExpr = [...expr.matchAll(/\b(mixwatch_[a-z0-9_]+)/g)].map((m) => m[1]!);
    for (const by of expr.matchAll(/\bby\s*\(([^)]*)\)/g))
      for (const label of by[1]!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        assert.ok(
          metricsInExpr.some((n) => known.get(n)?.has(label)),
          `${where}: grouping label ${label} is on none of ${metricsInExpr.join(', ')}`,
        );
  }
  assert.ok(named >= 40);
});

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    assert.fail('promtool is not installed: install the Debian package with `apt-get update && apt-get install -y prometheus`');
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('promtool: rules.yml is valid and its unit tests pass; prometheus.yml is valid', () => {
  const check = promtool(['check', 'rules', 'deploy/prometheus/rules.yml']);
  assert.equal(check.status, 0, check.out);
  assert.match(check.out, /SUCCESS: \d+ rules found/);
  const unit = promtool(['test', 'rules', 'deploy/prometheus/rules.test.yml']);
  assert.equal(unit.status, 0, unit.out);
  const config = promtool(['check', 'config', 'deploy/prometheus/prometheus.yml']);
  assert.equal(config.status, 0, config.out);
});
