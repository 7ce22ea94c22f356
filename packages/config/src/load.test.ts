import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@mixwatch/core';
import { loadConfig, parseConfig } from './load.ts';

describe('config', () => {
  it('an empty config is valid and monitors Ethereum with loopback-only HTTP', () => {
    const c = parseConfig({});
    assert.deepEqual(Object.keys(c.chains), ['ethereum']);
    assert.equal(c.http.host, '127.0.0.1');
    assert.equal(c.http.port, 9464);
    assert.equal(c.dataDir, './data');
    assert.equal(c.store.url, undefined);
    assert.equal(c.bus.kafka, undefined);
  });

  it('substitutes ${ENV} and ${ENV:-default} and names the key of a missing variable', () => {
    const c = parseConfig({ dataDir: '${DIR}', store: { url: '${CH:-http://127.0.0.1:8123}' } }, { DIR: '/var/mixwatch' });
    assert.equal(c.dataDir, '/var/mixwatch');
    assert.equal(c.store.url, 'http://127.0.0.1:8123');
    assert.throws(
      () => parseConfig({ notify: { slack: { webhookUrl: '${SLACK_HOOK}' } } }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /notify\.slack\.webhookUrl/);
        assert.match(e.message, /SLACK_HOOK is not set/);
        return true;
      },
    );
  });

  it('applies the MIXWATCH_* overrides', () => {
    const c = parseConfig(
      {},
      {
        MIXWATCH_DATA_DIR: '/tmp/x',
        MIXWATCH_CLICKHOUSE_URL: 'http://127.0.0.1:8123',
        MIXWATCH_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
        MIXWATCH_RPC_BSC: 'http://127.0.0.1:8545,http://127.0.0.1:8546',
      },
    );
    assert.equal(c.dataDir, '/tmp/x');
    assert.equal(c.store.url, 'http://127.0.0.1:8123');
    assert.deepEqual(c.bus.kafka?.brokers, ['127.0.0.1:9092', '127.0.0.1:9093']);
    assert.deepEqual(c.chains.bsc?.rpc, ['http://127.0.0.1:8545', 'http://127.0.0.1:8546']);
    assert.ok(c.chains.ethereum, 'the default chain stays');
  });

  it('rejects bad values with the key and the expected form', () => {
    assert.throws(
      () => parseConfig({ chains: { ethereum: { rpc: ['not a url'] } } }),
      /key chains\.ethereum\.rpc\.0: expected an http\(s\) or ws\(s\) URL/,
    );
    assert.throws(
      () => parseConfig({ chains: { ethereum: { confirmation: 3 } } }),
      /key chains\.ethereum: Unrecognized key: "confirmation"/,
    );
    assert.throws(() => parseConfig({ http: { port: 'x' } }), /key http\.port/);
    assert.throws(() => parseConfig([1, 2]), /top level must be a mapping/);
  });

  it('the committed example configs load', () => {
    const root = join(import.meta.dirname, '../../..');
    for (const f of ['mixwatch.example.yaml', 'examples/anvil.yaml']) {
      const c = loadConfig({ file: join(root, f), env: {} });
      assert.ok(c.chains.ethereum?.enabled, f);
    }
    const routed = parseConfig({
      notify: { channels: [{ name: 'desk', type: 'slack', urlEnv: 'SLACK_DESK', match: { minSeverity: 'high' } }] },
    });
    assert.equal((routed.notify as { channels: unknown[] }).channels.length, 1);
  });

  it('reads YAML files and reports YAML syntax errors with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'dataDir: ${D:-/srv/mw}\nchains:\n  ethereum:\n    confirmations: 3\n');
    const c = loadConfig({ file: good, env: {} });
    assert.equal(c.dataDir, '/srv/mw');
    assert.equal(c.chains.ethereum?.confirmations, 3);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'chains: [\n');
    assert.throws(() => loadConfig({ file: bad, env: {} }), /bad\.yaml: invalid YAML/);
    assert.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /does not exist/);
  });
});
