// The daemon as users run it (`mixwatch run`, a child process) against anvil with recorded Tornado
// Cash deposits by a DPRK-attributed address: every metric named in a dashboard or an alerting rule
// is exposed on /metrics, /healthz and /readyz answer, the alert reaches the Slack stand-in through
// the notify role, and Prometheus from the Debian package scrapes the daemon (up == 1) with the
// rules of deploy/prometheus/rules.yml loaded and evaluated.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Anvil,
  type ChildDaemon,
  emitLog,
  freePort,
  mine,
  spawnDaemon,
  startAnvil,
  tempDir,
  testConfig,
  tornadoCases,
  waitFor,
} from '@mixwatch/test/helpers';
import { parse } from 'yaml';
import { type SlackStandIn, startSlackStandIn } from '../helpers/slack.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
type Json = Record<string, any>;

/** Metric names in dashboard PromQL (targets, variables) and in the alerting rules. */
function namedMetrics(): Map<string, string> {
  const out = new Map<string, string>();
  const add = (where: string, expr: string) => {
    for (const m of expr.matchAll(/\b(mixwatch_[a-z0-9_]+)/g)) if (!out.has(m[1]!)) out.set(m[1]!, where);
  };
  for (const f of readdirSync(join(root, 'grafana/dashboards')).filter((n) => n.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(root, 'grafana/dashboards', f), 'utf8')) as Json;
    for (const v of d.templating.list as Json[]) if (v.datasource?.type === 'prometheus') add(`${f} variable ${v.name}`, v.query.query);
    for (const p of (d.panels as Json[]).flatMap((x) => [x, ...((x.panels as Json[]) ?? [])]))
      for (const t of (p.targets as Json[]) ?? []) if (t.datasource?.type === 'prometheus') add(`${f} "${p.title}"`, t.expr);
  }
  const rules = parse(readFileSync(join(root, 'deploy/prometheus/rules.yml'), 'utf8')) as { groups: Array<{ rules: Json[] }> };
  for (const g of rules.groups) for (const r of g.rules) add(`rules.yml ${r.alert}`, r.expr);
  return out;
}

/** Names a /metrics text exposes: every `# TYPE` family, with _bucket/_count/_sum for histograms and summaries. */
function exposedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    out.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) out.add(`${m[1]}${s}`);
    if (m[2] === 'summary') for (const s of ['_count', '_sum']) out.add(`${m[1]}${s}`);
  }
  return out;
}

function requireBinary(name: string) {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    assert.fail(`${name} is not installed: install the Debian package with \`apt-get update && apt-get install -y prometheus\``);
}

let anvil: Anvil;
let slack: SlackStandIn;
let daemon: ChildDaemon | undefined;
let prometheus: ChildProcess | undefined;
const tmp = tempDir('mixwatch-obs-');
let metricsUrl = '';
let httpPort = 0;

before(async () => {
  anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
  for (const c of tornadoCases({ deposits: 3, withdrawals: 0 })) await emitLog(anvil, c.log);
  await mine(anvil, 3);
  slack = await startSlackStandIn();
  httpPort = await freePort();
  metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
  const config = testConfig({ dataDir: tmp.dir, chains: { ethereum: { url: anvil.url } }, extra: { http: { port: httpPort } } });
  // The webhook URL is a secret: it reaches the daemon through the environment only.
  daemon = spawnDaemon(config, { env: { MIXWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl('T0KEN-IN-ENV-ONLY') } });
  await waitFor(
    'the daemon to expose the ethereum head on /metrics',
    async () => {
      const text = await (await fetch(metricsUrl)).text();
      return /^mixwatch_ingest_head_block\{chain="ethereum"\} [1-9]/m.test(text) && /^mixwatch_ingest_flows_total\{/m.test(text);
    },
    60_000,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n--- daemon output ---\n${daemon?.output()}`);
  });
});

after(async () => {
  prometheus?.kill('SIGTERM');
  if (daemon && daemon.proc.exitCode === null) {
    daemon.proc.kill('SIGTERM');
    await daemon.exited;
  }
  await slack?.close();
  await anvil?.stop();
  tmp.remove();
});

test('every metric named in a dashboard or an alerting rule is exposed on /metrics of a running daemon', async () => {
  const text = await (await fetch(metricsUrl)).text();
  const exposed = exposedNames(text);
  const named = namedMetrics();
  assert.ok(named.size >= 30, `only ${named.size} metric names found in dashboards and rules`);
  const missing = [...named].filter(([name]) => !exposed.has(name)).map(([name, where]) => `${name} (${where})`);
  assert.deepEqual(missing, [], 'metrics named but not exposed');
  // and the chain metrics carry real values from the run
  assert.match(text, /^mixwatch_ingest_cursor_block\{chain="ethereum"\} [1-9]/m);
  assert.match(text, /^mixwatch_rpc_requests_total\{chain="ethereum",method="eth_getLogs"\} [1-9]/m);
  assert.match(text, /^mixwatch_process_process_resident_memory_bytes [1-9]/m);
  assert.ok(!text.includes('T0KEN-IN-ENV-ONLY'), 'the webhook token never reaches /metrics');
});

test('/healthz and /readyz answer', async () => {
  const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  assert.equal(health.status, 200);
  const ready = await waitFor('readyz 200', async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200, 30_000);
  assert.ok(ready);
});

test('the DPRK-attributed deposits reach Slack as Block Kit alerts through the notify role', async () => {
  await slack.waitFor(() => slack.delivered().some((r) => r.body.includes('sanctioned_mixer_deposit')), 60_000);
  const msg = slack.delivered().find((r) => r.body.includes('sanctioned_mixer_deposit'))!;
  const blocks = (msg.json as { blocks: Json[] }).blocks;
  assert.equal(blocks[0]?.type, 'header');
  assert.ok(msg.body.includes('https://etherscan.io/tx/0x'), 'explorer link to the transaction');
  assert.ok(msg.body.includes('100 ETH'), 'amount with decimals and symbol');
  assert.ok(!daemon!.output().includes('T0KEN-IN-ENV-ONLY'), 'the webhook token never reaches the log');
});

test('Prometheus (Debian package) scrapes the daemon and evaluates the mixwatch rules', async () => {
  requireBinary('prometheus');
  const port = await freePort();
  const configFile = join(tmp.dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${join(root, 'deploy/prometheus/rules.yml')}`,
      'scrape_configs:',
      '  - job_name: mixwatch',
      '    static_configs:',
      `      - targets: ["127.0.0.1:${httpPort}"]`,
      '',
    ].join('\n'),
  );
  let output = '';
  prometheus = spawn(
    'prometheus',
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(tmp.dir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (d) => {
    output += String(d);
  });
  prometheus.stderr?.on('data', (d) => {
    output += String(d);
  });
  const api = `http://127.0.0.1:${port}/api/v1`;
  const query = async (q: string) => {
    const r = (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as {
      data: { result: Array<{ metric: Json; value: [number, string] }> };
    };
    return r.data.result;
  };
  try {
    const up = await waitFor(
      'Prometheus to scrape the daemon (up == 1)',
      async () => {
        const r = await query('up{job="mixwatch"}');
        return r.length === 1 && r[0]!.value[1] === '1' ? r : undefined;
      },
      60_000,
      250,
    );
    assert.equal(up[0]!.metric.instance, `127.0.0.1:${httpPort}`);
    const head = await query('mixwatch_ingest_head_block{chain="ethereum"}');
    assert.ok(Number(head[0]?.value[1]) > 0, 'the head block went through Prometheus');
    const groups = await waitFor(
      'the rules to be evaluated',
      async () => {
        const r = (await (await fetch(`${api}/rules`)).json()) as {
          data: { groups: Array<{ name: string; rules: Array<{ health: string; name: string }> }> };
        };
        const rules = r.data.groups.flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((x) => x.health === 'ok') ? r.data.groups : undefined;
      },
      30_000,
      250,
    );
    assert.deepEqual(groups.map((g) => g.name).sort(), ['mixwatch-chains', 'mixwatch-delivery', 'mixwatch-pipeline']);
    const firing = await query('ALERTS{alertstate="firing"}');
    assert.deepEqual(
      firing.map((a) => a.metric.alertname),
      [],
      'a healthy daemon fires none of the outage alerts',
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- prometheus output ---\n${output.slice(-3000)}`);
  }
});
