import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDaemonInfo } from '@mixwatch/cli';
import { type Anvil, emitLogs, mine, runCli, spawnDaemon, startAnvil, tempDir, tornadoCases, waitFor } from '@mixwatch/test/helpers';
import { stringify } from 'yaml';

describe('mixwatch CLI', () => {
  let anvil: Anvil;
  const tmp = tempDir();
  const cases = tornadoCases({ deposits: 40, withdrawals: 20 });
  let config: string;
  before(async () => {
    anvil = await startAnvil({ chainId: 1, timestamp: 1_577_000_000 });
    await emitLogs(
      anvil,
      cases.map((c) => c.log),
      { perBlock: 3 },
    );
    await mine(anvil, 20);
    config = join(tmp.dir, 'mixwatch.yaml');
    // no startBlock: the live daemon starts at the head; history is the backfill's job
    writeFileSync(
      config,
      stringify({
        dataDir: join(tmp.dir, 'data'),
        http: { port: 0 },
        chains: { ethereum: { rpc: [anvil.url], confirmations: 2, pollIntervalMs: 100, maxLogRange: 7 } },
      }),
    );
  });
  after(async () => {
    await anvil?.stop();
    tmp.remove();
  });

  it('explains itself with --help', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['run', 'sql', 'doctor', 'backfill', 'labels', 'demo']) assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
    const run = await runCli(['run', '--help']);
    assert.match(run.stdout, /MIXWATCH_RPC_<CHAIN>/);
  });

  it('rejects a bad config naming the key, with exit code 2', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, 'chains:\n  ethereum:\n    confirmations: many\n');
    const r = await runCli(['run', '--config', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /key chains\.ethereum\.confirmations/);
  });

  it('doctor checks the RPC chain id and reports unreachable endpoints', async () => {
    const ok = await runCli(['doctor', '--config', config]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /ok\s+rpc ethereum\s+http:\/\/127\.0\.0\.1:\d+ chain id 1, head \d+/);
    const wrong = join(tmp.dir, 'wrong.yaml');
    writeFileSync(wrong, stringify({ dataDir: join(tmp.dir, 'd2'), chains: { bsc: { rpc: [anvil.url, 'http://127.0.0.1:9/'] } } }));
    const r = await runCli(['doctor', '--config', wrong]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL\s+rpc bsc\s+http:\/\/127\.0\.0\.1:\d+ chain id 1 \(expected 56\)/);
    assert.match(r.stdout, /FAIL\s+rpc bsc\s+http:\/\/127\.0\.0\.1:9/);
  });

  it('backfills history through the running daemon, resumably, and sql reads while it runs', async () => {
    const daemon = spawnDaemon({
      dataDir: join(tmp.dir, 'data'),
      http: { port: 0 },
      chains: { ethereum: { rpc: [anvil.url], confirmations: 2, pollIntervalMs: 100, maxLogRange: 7 } },
    });
    try {
      await waitFor('daemon up', async () => readDaemonInfo(join(tmp.dir, 'data')), 60_000);
      const before = await runCli(['sql', 'SELECT count() AS c FROM mixwatch.flows', '--format', 'JSONEachRow', '--config', config]);
      assert.equal(before.code, 0, before.stderr);
      assert.deepEqual(JSON.parse(before.stdout), { c: 0 }, 'the live daemon started at the head');
      const b = await runCli(['backfill', '--chain', 'ethereum', '--from', '1', '--config', config], { timeoutMs: 120_000 });
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stdout + b.stderr, /ethereum \|.*\| 100% \| blocks \d+\/\d+ \| 60 flows/);
      const csv = await runCli([
        'sql',
        'SELECT action, count() AS n FROM mixwatch.flows GROUP BY action ORDER BY action',
        '--format',
        'CSV',
        '--config',
        config,
      ]);
      assert.equal(csv.stdout, '"action","n"\n"deposit",40\n"withdrawal",20\n');
      const again = await runCli(['backfill', '--chain', 'ethereum', '--from', '1', '--to', '10', '--config', config], {
        timeoutMs: 120_000,
      });
      assert.equal(again.code, 0, again.stderr);
      const n = await runCli([
        'sql',
        'SELECT count() AS c, uniqExact(flow_id) AS u FROM mixwatch.flows',
        '--format',
        'JSONEachRow',
        '--config',
        config,
      ]);
      assert.deepEqual(JSON.parse(n.stdout), { c: 60, u: 60 });
      const denied = await runCli(['sql', 'DROP TABLE mixwatch.flows', '--config', config]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /only read queries/);
    } finally {
      daemon.proc.kill('SIGTERM');
      assert.equal(await daemon.exited, 0, daemon.output().slice(-1500));
    }
  });
});
