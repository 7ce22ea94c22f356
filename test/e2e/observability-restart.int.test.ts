// kill -9 of the daemon while Slack is down loses no alert and sends none twice: `mixwatch run`
// (child process) against anvil with recorded Tornado Cash deposits by a DPRK-attributed address;
// the Slack stand-in answers 503 until the daemon is SIGKILLed, then 200; a second daemon on the
// same data folder resumes the outbox. Every alert of mixwatch.alerts reaches Slack exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestCommon } from '@mixwatch/core';
import { createStore } from '@mixwatch/store';
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
} from '@mixwatch/test/helpers';
import { type SlackRequest, type SlackStandIn, startSlackStandIn } from '../helpers/slack.ts';

let anvil: Anvil;
let slack: SlackStandIn;
const tmp = tempDir('mixwatch-obs-restart-');
const daemons: ChildDaemon[] = [];

const alertIdOf = (r: SlackRequest) => /alert `([0-9a-f]+)`/.exec(r.body)?.[1] ?? '';

before(async () => {
  anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
  for (const c of tornadoCases({ deposits: 4, withdrawals: 0 })) await emitLog(anvil, c.log);
  await mine(anvil, 3);
  slack = await startSlackStandIn();
});

after(async () => {
  for (const d of daemons)
    if (d.proc.exitCode === null && d.proc.signalCode === null) {
      d.proc.kill('SIGKILL');
      await d.exited;
    }
  await slack?.close();
  await anvil?.stop();
  tmp.remove();
});

test('SIGKILL during a Slack outage, restart: every alert delivered exactly once', async () => {
  const port = await freePort();
  const config = testConfig({
    dataDir: tmp.dir,
    chains: { ethereum: { url: anvil.url } },
    extra: {
      http: { port },
      // windowSec 0: no digests, one message per alert, so the count is exact
      notify: {
        slack: { ratePerSecond: 20 },
        digest: { windowSec: 0 },
        retry: { attempts: 1, baseDelayMs: 50, maxDelayMs: 300 },
        pollIntervalMs: 100,
      },
    },
  });
  const env = { MIXWATCH_SLACK_WEBHOOK_URL: slack.webhookUrl() };

  slack.setDefault({ kind: 'server_error', status: 503 });
  const first = spawnDaemon(config, { env });
  daemons.push(first);
  // every alert of the run has been tried (and refused) at least once before the crash
  await slack
    .waitFor((rs) => new Set(rs.map(alertIdOf)).size >= 4 && rs.length >= 8, 60_000)
    .catch((error) => {
      throw new Error(`${(error as Error).message}\n--- daemon output ---\n${first.output().slice(-3000)}`);
    });
  first.proc.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  const refused = new Set(slack.requests.map(alertIdOf));
  assert.equal(slack.delivered().length, 0);

  slack.setDefault({ kind: 'ok' });
  const second = spawnDaemon(config, { env });
  daemons.push(second);
  await slack
    .waitFor(() => [...refused].every((id) => slack.delivered().some((r) => alertIdOf(r) === id)), 60_000)
    .catch((error) => {
      throw new Error(`${(error as Error).message}\n--- daemon output ---\n${second.output().slice(-3000)}`);
    });
  second.proc.kill('SIGTERM');
  await second.exited;

  // With both daemons gone, the data folder is ours: compare with what the store knows.
  const store = await createStore({ common: createTestCommon(), dataDir: tmp.dir });
  try {
    const alerts = (await store.query<{ alert_id: string }>('SELECT alert_id FROM mixwatch.alerts FINAL')).map((r) => r.alert_id).sort();
    const outbox = await store.query<{ alert_id: string; status: string }>(
      "SELECT alert_id, status FROM mixwatch.notify_outbox FINAL WHERE channel = 'slack' ORDER BY alert_id",
    );
    const delivered = slack.delivered().map(alertIdOf).sort();
    assert.ok(alerts.length >= 4, `expected the four labelled deposits to raise alerts, got ${alerts.length}`);
    assert.equal(new Set(delivered).size, delivered.length, `an alert was delivered twice: ${delivered.join(' ')}`);
    for (const id of refused) assert.ok(delivered.includes(id), `alert ${id}, refused before the crash, was never delivered`);
    // none lost: every alert is in the outbox; sent rows are exactly what Slack accepted; the rest still waits
    assert.deepEqual(
      outbox.map((r) => r.alert_id),
      alerts,
    );
    assert.deepEqual(
      outbox.filter((r) => r.status === 'sent').map((r) => r.alert_id),
      delivered,
    );
    assert.ok(
      outbox.every((r) => r.status === 'sent' || r.status === 'pending'),
      JSON.stringify(outbox),
    );
    const failedAttempts = await store.query<{ n: string }>(
      "SELECT count() AS n FROM mixwatch.notify_deliveries WHERE channel = 'slack' AND outcome = 'server_error'",
    );
    assert.ok(Number(failedAttempts[0]?.n) > 0, 'the refused attempts of the first daemon are recorded');
  } finally {
    await store.close();
  }
});
