import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type Bus, createMemoryBus, TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import { type Alert, createLogger, createTestCommon, type RuleName, type Severity, stableId } from '@mixwatch/core';
import type { RoleHandle } from '@mixwatch/runtime';
import { alertToRow, createStore, type Store } from '@mixwatch/store';
import { type SlackRequest, startSlackStandIn } from '../../../test/helpers/slack.ts';
import { createNotifier, verifyWebhookSignature } from '../src/index.ts';

// One chDB data folder per process (chDB allows only one); every test uses its own slack stand-in and
// its own channel names, so outbox rows never mix between tests.
let dir: string;
let store: Store;
const common = createTestCommon();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mixwatch-notify-'));
  store = await createStore({ common, dataDir: dir });
  await store.migrate();
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function makeAlert(over: Partial<Alert> = {}): Alert {
  seq++;
  const address = over.address ?? `0x${seq.toString(16).padStart(40, 'a')}`;
  const rule: RuleName = over.rule ?? 'sanctioned_mixer_deposit';
  return {
    alert_id: stableId('test', rule, address, seq),
    rule,
    severity: (over.severity ?? 'high') as Severity,
    chain: 'ethereum',
    block_time: 1_721_000_000 + seq * 420,
    tx_hash: `0x${seq.toString(16).padStart(64, '0')}`,
    address,
    service: 'tornado',
    amount: '100000000000000000000',
    title: `Deposit of 100 ETH into Tornado Cash by a sanctioned address (#${seq})`,
    details: {
      token: 'native',
      decimals: 18,
      token_symbol: 'ETH',
      labels: { [address]: 'Lazarus Group (OFAC SDN)' },
      summary: 'labelled address deposited',
    },
    created_at: Date.now(),
    ...over,
  };
}

/** The alert id a Slack message is about (context block), or the digest id. */
function messageId(r: SlackRequest): string {
  const m = /(?:alert|digest) `([0-9a-f]+)`/.exec(r.body);
  return m?.[1] ?? /\(alert ([0-9a-f]+)\)/.exec(r.body)?.[1] ?? '';
}

async function startNotifier(notify: Record<string, unknown>, bus: Bus, env: Record<string, string> = {}): Promise<RoleHandle> {
  const config = parseConfig({ notify });
  return createNotifier({ config, common, bus, store, env });
}

async function publish(bus: Bus, alerts: Alert[]) {
  await bus.publish(
    TOPICS.alerts,
    alerts.map((a) => ({ key: a.alert_id, value: a })),
  );
}

async function outboxRows(channel: string) {
  return store.query<{ alert_id: string; status: string; attempts: string; digest_id: string; last_error: string }>(
    'SELECT alert_id, status, attempts, digest_id, last_error FROM mixwatch.notify_outbox FINAL WHERE channel = {c:String} ORDER BY alert_id',
    { c: channel },
  );
}

/** Polls until the channel has `count` outbox rows, all `sent` (the status is written right after the 2xx). */
async function waitSettled(channel: string, count: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = await outboxRows(channel);
    if (rows.length >= count && rows.every((r) => r.status === 'sent')) return rows;
    assert.ok(Date.now() < deadline, `outbox of ${channel} not settled: ${JSON.stringify(rows.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function assertSpacing(requests: SlackRequest[], minMs: number) {
  // 1 ms of slack for timer granularity; the stand-in stamps arrivals, so network time only adds spacing.
  for (let i = 1; i < requests.length; i++) {
    const gap = requests[i]!.at - requests[i - 1]!.at;
    assert.ok(gap >= minMs - 1, `requests ${i - 1} and ${i} only ${gap.toFixed(1)} ms apart (expected >= ${minMs} ms)`);
  }
}

test('every alert delivered exactly once, Block Kit accepted, paced per webhook, bus redelivery sends nothing twice', async () => {
  const slack = await startSlackStandIn();
  const bus = createMemoryBus({ common });
  const n = await startNotifier(
    { channels: [{ name: 'once', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 5 }], pollIntervalMs: 50 },
    bus,
  );
  try {
    const alerts = Array.from({ length: 8 }, () => makeAlert());
    await publish(bus, alerts);
    await slack.waitFor(() => slack.delivered().length >= 8);
    await publish(bus, alerts); // at-least-once bus: the same records again
    const late = makeAlert();
    await publish(bus, [late]);
    await slack.waitFor(() => slack.delivered().length >= 9);
    const rows = await waitSettled('once', 9);
    assert.equal(rows.length, 9);

    const ids = slack.delivered().map(messageId);
    assert.deepEqual([...ids].sort(), [...alerts, late].map((a) => a.alert_id).sort(), 'each alert exactly once');
    assert.equal(slack.requests.length, 9, 'no request beyond the nine messages');
    assertSpacing(slack.requests, 200);
    const deliveries = await store.query<{ outcome: string; n: string }>(
      "SELECT outcome, count() AS n FROM mixwatch.notify_deliveries WHERE channel = 'once' GROUP BY outcome",
    );
    assert.deepEqual(
      deliveries.map((d) => ({ outcome: d.outcome, n: Number(d.n) })),
      [{ outcome: 'sent', n: 9 }],
    );
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});

test('429 with Retry-After pauses the whole webhook for that long, then every alert goes once', async () => {
  const slack = await startSlackStandIn();
  slack.script({ kind: 'rate_limited', retryAfterSec: 1 });
  const bus = createMemoryBus({ common });
  const n = await startNotifier(
    { channels: [{ name: 'ratelimited', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 20 }], pollIntervalMs: 50 },
    bus,
  );
  try {
    const alerts = Array.from({ length: 3 }, () => makeAlert());
    await publish(bus, alerts);
    await slack.waitFor(() => slack.delivered().length >= 3);
    const [first, second] = slack.requests;
    assert.equal(first?.status, 429);
    assert.ok(
      second!.at - first!.at >= 1000 - 1,
      `next request ${(second!.at - first!.at).toFixed(0)} ms after the 429 (Retry-After: 1 s)`,
    );
    assert.deepEqual(slack.delivered().map(messageId).sort(), alerts.map((a) => a.alert_id).sort());
    assertSpacing(slack.requests, 50);
    const failures = await store.query<{ outcome: string; http_status: number }>(
      "SELECT outcome, http_status FROM mixwatch.notify_deliveries WHERE channel = 'ratelimited' AND outcome != 'sent'",
    );
    assert.deepEqual(failures, [{ outcome: 'rate_limited', http_status: 429 }]);
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});

test('5xx and hanging responses are retried with backoff; nothing lost, nothing delivered twice', async () => {
  const slack = await startSlackStandIn();
  slack.script({ kind: 'server_error' }, { kind: 'hang' }, { kind: 'server_error', status: 503 });
  const bus = createMemoryBus({ common });
  const n = await startNotifier(
    {
      channels: [{ name: 'flaky', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 20, timeoutMs: 300 }],
      retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 },
      pollIntervalMs: 50,
    },
    bus,
  );
  try {
    const alerts = Array.from({ length: 4 }, () => makeAlert());
    await publish(bus, alerts);
    await slack.waitFor(() => new Set(slack.delivered().map(messageId)).size >= 4);
    const delivered = slack.delivered().map(messageId);
    assert.equal(delivered.length, 4, 'one 200 per alert');
    assert.deepEqual([...delivered].sort(), alerts.map((a) => a.alert_id).sort());
    const outcomes = (
      await store.query<{ outcome: string }>(
        "SELECT outcome FROM mixwatch.notify_deliveries WHERE channel = 'flaky' AND outcome != 'sent' ORDER BY at",
      )
    ).map((r) => r.outcome);
    assert.deepEqual(outcomes, ['server_error', 'timeout', 'server_error']);
    assert.equal((await waitSettled('flaky', 4)).length, 4);
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});

test('a restart of the notifier during a Slack outage loses nothing: the outbox is resumed', async () => {
  const slack = await startSlackStandIn();
  slack.setDefault({ kind: 'server_error', status: 503 });
  const bus1 = createMemoryBus({ common });
  const notify = {
    channels: [{ name: 'outage', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 20 }],
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 },
    pollIntervalMs: 50,
  };
  const n1 = await startNotifier(notify, bus1);
  const alerts = Array.from({ length: 5 }, () => makeAlert());
  try {
    await publish(bus1, alerts);
    await slack.waitFor((rs) => rs.length >= 6);
  } finally {
    await n1.stop();
    await bus1.close();
  }
  assert.equal(slack.delivered().length, 0);
  const waiting = await outboxRows('outage');
  assert.equal(waiting.length, 5);
  assert.ok(
    waiting.every((r) => r.status === 'pending'),
    JSON.stringify(waiting),
  );
  assert.ok(
    waiting.some((r) => Number(r.attempts) > 0 && r.last_error.includes('503')),
    JSON.stringify(waiting),
  );
  assert.ok(
    waiting.every((r) => !r.last_error.includes('/services/')),
    'the webhook path (a secret) never reaches last_error',
  );

  slack.setDefault({ kind: 'ok' });
  const bus2 = createMemoryBus({ common }); // nothing is published again: only the outbox knows these alerts
  const n2 = await startNotifier(notify, bus2);
  try {
    await slack.waitFor(() => slack.delivered().length >= 5);
    assert.deepEqual(slack.delivered().map(messageId).sort(), alerts.map((a) => a.alert_id).sort());
    assert.equal((await waitSettled('outage', 5)).length, 5);
  } finally {
    await n2.stop();
    await bus2.close();
    await slack.close();
  }
});

test('a burst of 26 denomination_burst lots for one address is one message plus one digest', async () => {
  const slack = await startSlackStandIn();
  const bus = createMemoryBus({ common });
  const n = await startNotifier(
    {
      channels: [{ name: 'burst', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 20 }],
      digest: { windowSec: 3600, intervalSec: 1 },
      pollIntervalMs: 50,
    },
    bus,
  );
  try {
    const address = '0x1111111111111111111111111111111111111111';
    const lots = Array.from({ length: 26 }, () => makeAlert({ rule: 'denomination_burst', address }));
    await publish(bus, lots);
    const rows = async () => outboxRows('burst');
    await slack.waitFor(() => slack.delivered().length >= 2);
    const deadline = Date.now() + 20_000;
    while ((await rows()).some((r) => r.status !== 'sent')) {
      assert.ok(Date.now() < deadline, 'digest not sent');
      await new Promise((r) => setTimeout(r, 50));
    }
    const final = await rows();
    assert.equal(final.length, 26);
    const digested = final.filter((r) => r.digest_id !== '');
    assert.equal(digested.length, 25, 'all but the first went out in a digest');
    assert.equal(new Set(digested.map((r) => r.digest_id)).size, 1);
    assert.equal(slack.delivered().length, 2, 'two messages, not 26 pings');
    const [one, digest] = slack.delivered();
    assert.equal(messageId(one!), lots[0]!.alert_id);
    assert.match(digest!.body, /25 more denomination_burst alerts/);
    assert.match(digest!.body, /2,500 ETH/);
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});

test('routing by severity/rule/chain; generic webhook signed with HMAC-SHA256; secrets never logged', async () => {
  const slack = await startSlackStandIn();
  const hook = await startSlackStandIn(); // as a generic receiver: 200 for any JSON
  hook.setDefault({ kind: 'accept' });
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const bus = createMemoryBus({ common });
  const config = parseConfig({
    notify: {
      slack: { webhookUrl: slack.webhookUrl('SLACKSECRETTOKEN'), match: { minSeverity: 'high' }, ratePerSecond: 20 },
      channels: [
        {
          name: 'siem',
          type: 'webhook',
          urlEnv: 'SIEM_URL',
          hmacKeyEnv: 'SIEM_KEY',
          match: { rules: ['stablecoin_exit'], chains: ['tron'] },
          ratePerSecond: 20,
        },
      ],
      pollIntervalMs: 50,
    },
  });
  const env = { SIEM_URL: `${hook.origin}/hook/HOOKSECRET`, SIEM_KEY: 'k3y-for-hmac' };
  const n = await createNotifier({ config, common: { ...common, logger }, bus, store, env });
  try {
    const high = makeAlert({ severity: 'critical' });
    const low = makeAlert({ severity: 'low' });
    const exit = makeAlert({
      rule: 'stablecoin_exit',
      severity: 'medium',
      chain: 'tron',
      address: 'TXFBqBbqJommqZf7BV8NNYzePh97UmJodJ',
      amount: '2500000000000',
      details: { token_symbol: 'USDT', decimals: 6 },
    });
    await publish(bus, [high, low, exit]);
    await slack.waitFor(() => slack.delivered().length >= 1);
    await hook.waitFor(() => hook.delivered().length >= 1);
    const stop = makeAlert({ severity: 'critical' });
    await publish(bus, [stop]); // FIFO: once this is delivered, the others were routed already
    await slack.waitFor(() => slack.delivered().length >= 2);
    assert.deepEqual(slack.delivered().map(messageId).sort(), [high.alert_id, stop.alert_id].sort(), 'slack: high and critical only');
    assert.equal(hook.requests.length, 1, 'webhook: stablecoin_exit on tron only');

    const r = hook.requests[0]!;
    const sig = String(r.headers['x-mixwatch-signature']);
    const ts = String(r.headers['x-mixwatch-timestamp']);
    assert.ok(verifyWebhookSignature(r.body, 'k3y-for-hmac', ts, sig), 'valid HMAC-SHA256 signature');
    assert.ok(!verifyWebhookSignature(r.body, 'another key', ts, sig));
    assert.equal(r.headers['x-mixwatch-delivery'], `siem:${exit.alert_id}`);
    const body = r.json as { type: string; alert: Alert };
    assert.equal(body.type, 'alert');
    assert.equal(body.alert.alert_id, exit.alert_id);

    const all = logs.join('');
    assert.ok(all.includes('"channel":"siem"'), 'logs were captured');
    for (const secret of ['SLACKSECRETTOKEN', 'HOOKSECRET', 'k3y-for-hmac'])
      assert.ok(!all.includes(secret), `${secret} must not be logged`);
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
    await hook.close();
  }
});

test('Slack refusing the blocks (400 invalid_blocks) gets the plain-text fallback', async () => {
  const slack = await startSlackStandIn();
  slack.script({ kind: 'invalid_blocks' });
  const bus = createMemoryBus({ common });
  const n = await startNotifier(
    { channels: [{ name: 'fallback', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 20 }], pollIntervalMs: 50 },
    bus,
  );
  try {
    const a = makeAlert();
    await publish(bus, [a]);
    await slack.waitFor(() => slack.delivered().length >= 1);
    await waitSettled('fallback', 1);
    const [refused, text] = slack.requests;
    assert.equal(refused?.status, 400);
    assert.ok(Array.isArray((refused!.json as { blocks?: unknown }).blocks));
    assert.equal((text!.json as { blocks?: unknown }).blocks, undefined);
    assert.match((text!.json as { text: string }).text, new RegExp(a.alert_id));
    const kinds = await store.query<{ kind: string; outcome: string }>(
      "SELECT kind, outcome FROM mixwatch.notify_deliveries WHERE channel = 'fallback' ORDER BY at",
    );
    assert.deepEqual(kinds, [
      { kind: 'alert', outcome: 'invalid_payload' },
      { kind: 'fallback_text', outcome: 'sent' },
    ]);
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});

test('on start, stored alerts that never reached the outbox (bus lost in a crash) are taken in; older ones are not', async () => {
  const slack = await startSlackStandIn();
  const bus = createMemoryBus({ common });
  const recent = makeAlert({ created_at: Date.now() - 60_000 });
  const old = makeAlert({ created_at: Date.now() - 3 * 86_400_000 });
  await store.insert('alerts', [alertToRow(recent), alertToRow(old)]); // what the sink wrote before the crash
  const n = await startNotifier(
    { channels: [{ name: 'catchup', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 20 }], pollIntervalMs: 50 },
    bus,
  );
  try {
    const marker = makeAlert();
    await publish(bus, [marker]);
    await slack.waitFor(() => slack.delivered().length >= 2);
    await waitSettled('catchup', 2);
    assert.deepEqual(slack.delivered().map(messageId).sort(), [recent.alert_id, marker.alert_id].sort());
    assert.equal((await outboxRows('catchup')).length, 2, 'the alert older than resumeWindowSec is left alone');
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});

test('alerts that arrive together go out most severe first (a critical one never waits behind the pacing of lesser ones)', async () => {
  const slack = await startSlackStandIn();
  const bus = createMemoryBus({ common });
  const n = await startNotifier(
    { channels: [{ name: 'severity-order', type: 'slack', url: slack.webhookUrl(), ratePerSecond: 5 }], pollIntervalMs: 50 },
    bus,
  );
  try {
    const severities: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
    const alerts = severities.map((severity) => makeAlert({ severity }));
    await publish(bus, alerts);
    await slack.waitFor(() => slack.delivered().length >= alerts.length);
    const bySeverity = new Map(alerts.map((a) => [a.alert_id, a.severity]));
    assert.deepEqual(
      slack.delivered().map((r) => bySeverity.get(messageId(r))),
      ['critical', 'high', 'medium', 'low', 'info'],
    );
  } finally {
    await n.stop();
    await bus.close();
    await slack.close();
  }
});
