// Validates the mixwatch configuration files shipped in deploy/ with the product's own loader
// (YAML, ${ENV} substitution, env overrides, zod schema): deploy/mixwatch.yaml (compose) and the
// `mixwatch.yaml` key of deploy/k8s/configmap.yaml. Used by scripts/validate-deploy.sh.
//   node --import tsx deploy/tools/check-config.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@mixwatch/config';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
// What the deployments put in the environment (dummy values of the right form).
const env = {
  MIXWATCH_HTTP_TOKEN: 'x'.repeat(32),
  MIXWATCH_KAFKA_BROKERS: 'kafka:9092',
  MIXWATCH_CLICKHOUSE_URL: 'http://clickhouse:8123',
  MIXWATCH_CLICKHOUSE_USER: 'mixwatch',
  MIXWATCH_CLICKHOUSE_PASSWORD: 'secret',
  MIXWATCH_RPC_ETHEREUM: 'http://rpc.invalid:8545',
  MIXWATCH_SLACK_WEBHOOK_URL: 'http://slack.invalid/services/T/B/X',
};
const dir = mkdtempSync(join(tmpdir(), 'mixwatch-deploy-'));
let failed = 0;
const check = (name: string, file: string) => {
  try {
    const c = loadConfig({ file, env });
    if (!c.bus.kafka) throw new Error('bus.kafka is not set: the scaled deployment needs the Kafka bus');
    if (!c.store.url) throw new Error('store.url is not set: the scaled deployment needs a ClickHouse server');
    if (c.http.host === '127.0.0.1') throw new Error('http.host is loopback: probes and Prometheus cannot reach a container');
    console.log(
      `config ${name}: valid (kafka ${c.bus.kafka.brokers.join(',')}, ${c.bus.kafka.partitions} partitions x${c.bus.kafka.replicationFactor})`,
    );
  } catch (error) {
    failed++;
    console.error(`config ${name}: ${(error as Error).message}`);
  }
};
try {
  check('deploy/mixwatch.yaml', join(root, 'deploy/mixwatch.yaml'));
  const cm = parse(readFileSync(join(root, 'deploy/k8s/configmap.yaml'), 'utf8')) as { data?: Record<string, string> };
  const text = cm.data?.['mixwatch.yaml'];
  if (!text) {
    failed++;
    console.error('config deploy/k8s/configmap.yaml: no data.mixwatch.yaml');
  } else {
    const f = join(dir, 'configmap-mixwatch.yaml');
    writeFileSync(f, text);
    check('deploy/k8s/configmap.yaml', f);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
