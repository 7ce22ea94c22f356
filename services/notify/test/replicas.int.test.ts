import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKafkaBus, type KafkaBus, partitionOfKey, TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import { type Alert, type Common, stableId } from '@mixwatch/core';
import type { RoleHandle } from '@mixwatch/runtime';
import { createStore, type Store } from '@mixwatch/store';
import { tempDir, testCommon, waitFor } from '@mixwatch/test/helpers';
import { type KafkaTestBroker, randomName, startKafka } from '../../../test/helpers/kafka.ts';
import { type SlackStandIn, startSlackStandIn } from '../../../test/helpers/slack.ts';
import { createNotifier } from '../src/index.ts';

// Two notify replicas over a real Kafka broker share the alerts by partition: each writes the
// outbox rows of the alerts it consumes and delivers only the rows of alerts in its own partitions
// (kafkaMurmurHash(alert_id) % partitions in SQL: Kafka's default partitioner), though both read
// the same outbox table. Every alert reaches Slack once, and both replicas deliver.
let broker: KafkaTestBroker;
let store: Store;
let slack: SlackStandIn;
const tmp = tempDir('mixwatch-notify-replicas-');
const buses: KafkaBus[] = [];
const roles: RoleHandle[] = [];

before(async () => {
  [broker, slack] = await Promise.all([startKafka(), startSlackStandIn()]);
  store = await createStore({ common: testCommon(), dataDir: tmp.dir });
  await store.migrate();
});
after(async () => {
  for (const r of roles) await r.stop().catch(() => {});
  for (const b of buses) await b.close().catch(() => {});
  await store?.close();
  await slack?.close();
  await broker?.stop();
  tmp.remove();
});

test('two notify replicas deliver every alert once, each the alerts of its partitions', { timeout: 180_000 }, async () => {
  const prefix = randomName('notify-replicas');
  const path = `replicas${randomName('w').slice(2)}`;
  const config = parseConfig({
    notify: { slack: { webhookUrl: slack.webhookUrl(path), ratePerSecond: 50 }, digest: { windowSec: 0 }, pollIntervalMs: 100 },
  });
  const bus = async (common: Common) => {
    const b = await createKafkaBus({
      common,
      brokers: broker.brokers,
      topicPrefix: `${prefix}.`,
      groupPrefix: `${prefix}.`,
      partitions: 3,
      sessionTimeoutMs: 6_000,
    });
    buses.push(b);
    return b;
  };
  const replicas = [testCommon(), testCommon()];
  for (const common of replicas) roles.push(await createNotifier({ config, common, bus: await bus(common), store, env: {} }));
  const delivered = async (common: Common) =>
    (await common.metrics.deliveries.get()).values.filter((v) => v.labels.outcome === 'sent').reduce((n, v) => n + v.value, 0);

  const alerts: Alert[] = Array.from({ length: 60 }, (_, i) => ({
    alert_id: stableId('notify-replicas', i),
    rule: 'sanctioned_mixer_deposit',
    severity: 'high',
    chain: 'ethereum',
    block_time: 1_721_000_000 + i * 60,
    tx_hash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
    address: `0x${(i + 1).toString(16).padStart(40, 'b')}`,
    service: 'tornado',
    amount: '100000000000000000000',
    title: `Deposit of 100 ETH into Tornado Cash by a sanctioned address (#${i})`,
    details: { summary: 'labelled address deposited' },
    created_at: Date.now(),
  }));
  const partitions = new Set(alerts.map((a) => partitionOfKey(a.alert_id, 3)));
  assert.equal(partitions.size, 3, 'the alerts spread over the three partitions');
  // Both replicas in the group before anything is published (each then holds some partitions).
  await waitFor('both replicas to join', async () => buses.every((b) => b.status().every((s) => s.state === 'running')), 60_000);
  await new Promise((r) => setTimeout(r, 1_000));
  await buses[0]!.publish(
    TOPICS.alerts,
    alerts.map((a) => ({ key: a.alert_id, value: a })),
  );
  const ids = () =>
    slack.requests.filter((r) => r.status === 200 && r.path.endsWith(path)).map((r) => /alert `([0-9a-f]+)`/.exec(r.body)?.[1] ?? '');
  await waitFor('every alert at Slack', async () => new Set(ids()).size >= alerts.length, 120_000, 250);
  // A few more scans of both replicas: a row delivered by one must not be sent by the other.
  await new Promise((r) => setTimeout(r, 2_000));
  const sent = ids();
  assert.deepEqual(new Set(sent), new Set(alerts.map((a) => a.alert_id)));
  assert.equal(sent.length, alerts.length, `each alert once (${sent.length} messages for ${alerts.length} alerts)`);
  const perReplica = [await delivered(replicas[0]!), await delivered(replicas[1]!)];
  assert.equal(perReplica[0]! + perReplica[1]!, alerts.length);
  assert.ok(
    perReplica.every((n) => n > 0),
    `both replicas delivered (${perReplica.join(' + ')})`,
  );
});
