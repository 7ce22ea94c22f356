import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { TOPICS } from '@mixwatch/bus';
import type { Alert, FlowMessage } from '@mixwatch/core';
import { startInProcess, tempDir, waitFor } from '@mixwatch/test/helpers';
import { type KafkaTestBroker, randomName, startKafka } from '../../helpers/kafka.ts';
import { harmonyHorizon } from './index.ts';

// Detection in the scaled deployment: the Harmony story goes over a real Apache Kafka broker
// (flows.v1 keyed by chain id, several partitions) into sink + detect, and the alerts come back
// over Kafka (alerts.v1) into ClickHouse — the same alerts, with the same ids, as in memory.
let kafka: KafkaTestBroker;
const tmp = tempDir('mixwatch-kafka-detect-');
before(async () => {
  kafka = await startKafka();
});
after(async () => {
  await kafka?.stop();
  tmp.remove();
});

it('the Harmony story over Kafka raises the same alerts (same ids) as the data replay', { timeout: 300_000 }, async () => {
  const story = harmonyHorizon();
  const raw = {
    dataDir: tmp.dir,
    http: { port: 0 },
    chains: { ethereum: {}, tron: {} },
    bus: { kafka: { brokers: kafka.brokers, topicPrefix: `${randomName('detect')}.`, partitions: 3 } },
  };
  const { daemon, query } = await startInProcess(raw, ['sink', 'detect']);
  try {
    const messages: FlowMessage[] = story.steps.map((s) => s.message);
    await daemon.ctx.bus.publish(
      TOPICS.flows,
      messages.map((m) => ({ key: String(m.type === 'flow' ? m.flow.chain_id : 0), value: m })),
    );
    const { replayScenario } = await import('./evaluate.ts');
    const reference = new Set(replayScenario(story).map((a) => a.alert_id));
    let ids = new Set<string>();
    await waitFor(
      `the ${reference.size} alerts in mixwatch.alerts`,
      async () => {
        const r = await query<Pick<Alert, 'alert_id' | 'rule'>>('SELECT alert_id, rule FROM mixwatch.alerts FINAL');
        ids = new Set(r.map((x) => x.alert_id));
        return ids.size >= reference.size;
      },
      120_000,
      500,
    ).catch(() => {});
    assert.deepEqual(ids, reference);
  } finally {
    await daemon.stop();
  }
});
