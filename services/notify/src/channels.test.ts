import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '@mixwatch/config';
import { ConfigError } from '@mixwatch/core';
import { resolveChannels } from './channels.ts';

test('MIXWATCH_SLACK_WEBHOOK_URL becomes the channel "slack"; urlEnv and hmacKeyEnv are read from the environment', () => {
  const config = parseConfig(
    { notify: { channels: [{ name: 'siem', type: 'webhook', urlEnv: 'SIEM_URL', hmacKeyEnv: 'SIEM_KEY', match: { chains: ['tron'] } }] } },
    { MIXWATCH_SLACK_WEBHOOK_URL: 'https://hooks.example/services/T1/B1/secret-token' },
  );
  const channels = resolveChannels(config.notify, { SIEM_URL: 'https://siem.example/in/abc', SIEM_KEY: 'k' });
  assert.deepEqual(
    channels.map((c) => [c.name, c.type, c.where, c.ratePerSecond]),
    [
      ['slack', 'slack', 'https://hooks.example/***', 1],
      ['siem', 'webhook', 'https://siem.example/***', 1],
    ],
  );
  assert.equal(channels[1]?.hmacKey, 'k');
  assert.deepEqual(channels[1]?.match, { chains: ['tron'] });
});

test('configuration errors name the key and never print the secret', () => {
  const config = parseConfig({ notify: { channels: [{ name: 'ops', type: 'slack', urlEnv: 'OPS_URL' }] } });
  assert.throws(
    () => resolveChannels(config.notify, {}),
    (e: unknown) => e instanceof ConfigError && /notify\.channels\.0\.urlEnv/.test(e.message) && /OPS_URL/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ notify: { channels: [{ name: 'hook', type: 'webhook', urlEnv: 'X' }] } }),
    (e: unknown) => e instanceof ConfigError && /notify\.channels\.0\.hmacKeyEnv/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ notify: { channels: [{ name: 'both', type: 'slack', urlEnv: 'X', url: 'https://a.example/x' }] } }),
    (e: unknown) => e instanceof ConfigError && /notify\.channels\.0\.url/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ notify: { channels: [{ name: 'sev', type: 'slack', urlEnv: 'X', match: { minSeverity: 'urgent' } }] } }),
    (e: unknown) => e instanceof ConfigError && /notify\.channels\.0\.match\.minSeverity/.test(e.message),
  );
  const bad = parseConfig(
    { notify: { channels: [{ name: 'slack', type: 'slack', urlEnv: 'A' }] } },
    { MIXWATCH_SLACK_WEBHOOK_URL: 'https://h.example/services/SECRET' },
  );
  assert.throws(
    () => resolveChannels(bad.notify, { A: 'https://h.example/services/OTHER' }),
    (e: unknown) => e instanceof ConfigError && /used twice/.test(e.message) && !/SECRET|OTHER/.test(e.message),
  );
  const notUrl = parseConfig({ notify: { channels: [{ name: 'x', type: 'slack', urlEnv: 'A' }] } });
  assert.throws(
    () => resolveChannels(notUrl.notify, { A: 'not a url with-secret' }),
    (e: unknown) => e instanceof ConfigError && !/with-secret/.test(e.message),
  );
});

test('defaults: digests on (1 h window, 15 min interval), 3 attempts per round, one-day catch-up', () => {
  const n = parseConfig({}).notify;
  assert.deepEqual(n.digest, { windowSec: 3600, intervalSec: 900, exemptRules: ['issuer_freeze'], maxItems: 50 });
  assert.deepEqual(n.retry, { attempts: 3, baseDelayMs: 500, maxDelayMs: 300_000 });
  assert.equal(n.resumeWindowSec, 86_400);
  assert.equal(n.enabled, true);
  assert.deepEqual(resolveChannels(n, {}), []);
});
