import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runCli } from '@mixwatch/test/helpers';

// `mixwatch demo` end to end, as a newcomer runs it: anvil + the whole embedded daemon, no network.
it('mixwatch demo replays the Harmony Horizon story and shows the alerts and the SQL to look further', async () => {
  const { code, stdout, stderr } = await runCli(['demo', '--clean'], { timeoutMs: 120_000 });
  assert.equal(code, 0, stderr);
  const fired = /rules that fired: (.*)/.exec(stdout)?.[1]?.split(', ') ?? [];
  for (const rule of [
    'sanctioned_mixer_deposit',
    'denomination_burst',
    'mixer_to_bridge',
    'tainted_bridge_hop',
    'stablecoin_exit',
    'freezable_exposure',
  ]) {
    assert.ok(fired.includes(rule), `${rule} missing from: ${stdout}`);
  }
  assert.match(stdout, /Labelled address 0x0d0431…ed00 deposited 100 ETH into tornado/);
  assert.match(stdout, /mixwatch\.service_usage/);
});
