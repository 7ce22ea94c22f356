import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TOPICS } from '@mixwatch/bus';
import { parseConfig } from '@mixwatch/config';
import { type Alert, createLogger, createTestCommon, describeError, type Flow, SEVERITIES } from '@mixwatch/core';
import { type Anvil, emitLog, headNumber, mine, startAnvil } from '@mixwatch/test/helpers';
import type { Command } from 'commander';
import { harmonyHorizon } from '../../../../test/e2e/scenarios/index.ts';
import { runDaemon } from '../daemon.ts';

const SEVERITY_MARK: Record<string, string> = { critical: '‼', high: '!', medium: '·', low: ' ', info: ' ' };

/**
 * `mixwatch demo` — the product working in under two minutes with no network: starts anvil
 * (the npm package's binary, chain id 1, 127.0.0.1), runs the whole embedded daemon (ingest, sink,
 * detect, notify) against it, and replays a story modelled on the Harmony Horizon laundering
 * (FBI attribution to Lazarus, January 2023 wave) with the real Tornado Cash pool addresses and
 * the real attributed exploiter address: the exploiter splits ETH to fresh wallets (real value
 * transfers), 100 ETH Tornado lots every 6–8 minutes (real Deposit logs at the pool address,
 * block times set with evm_setNextBlockTimestamp), a withdrawal to a fresh address, the
 * recipient bridges USDT out through Allbridge and it lands on a TRON address. Prints the alerts
 * and the SQL to look further.
 *
 * What does not come from the chain (said in the output too): the two Allbridge legs are
 * published on the flow topic in the shape the ingest publishes them (no TRON node in the demo).
 * Native transfers come from the ingest (it reads the transactions of watched senders); with an
 * ingest that does not, their flows are published the same way.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('replay a DPRK laundering story (Harmony Horizon) on a local chain through the whole pipeline and show the alerts')
    .option('--data-dir <dir>', 'keep the demo store here (default: a new temp folder)')
    .option('--clean', 'remove the demo store at the end')
    .action(async (opts: { dataDir?: string; clean?: boolean }) => {
      const started = Date.now();
      const dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'mixwatch-demo-')));
      const say = (s = '') => process.stdout.write(`${s}\n`);
      let anvil: Anvil | undefined;
      let daemon: Awaited<ReturnType<typeof runDaemon>> | undefined;
      try {
        const now = Math.floor(Date.now() / 1000);
        const story = harmonyHorizon(now - 4 * 3600);
        say('mixwatch demo — Harmony Horizon laundering, January 2023 wave (FBI: Lazarus Group), replayed on a local chain');
        anvil = await startAnvil({ chainId: 1, timestamp: story.start - 3600 });
        say(`  anvil (chain id 1) on ${anvil.url}; store ${dataDir}`);
        const config = parseConfig({
          dataDir,
          http: { port: 0 },
          chains: { ethereum: { rpc: [anvil.url], pollIntervalMs: 100, confirmations: 2, startBlock: 1 }, tron: { enabled: false } },
        });
        const common = { ...createTestCommon(), logger: createLogger({ level: process.env.MIXWATCH_LOG_LEVEL ?? 'error' }) };
        daemon = await runDaemon({ config, common });
        const alerts: Alert[] = [];
        await daemon.ctx.bus.subscribe(TOPICS.alerts, 'demo', async (records) => {
          for (const r of records) alerts.push(r.value);
        });
        say('  daemon running: ingest → bus → sink + detect + notify, embedded ClickHouse (chDB)');
        say();

        let lastTs = story.start;
        const bus = daemon.ctx.bus;
        const d = daemon;
        const a = anvil;
        const caughtUp = async () => {
          await mine(a, 3);
          lastTs += 36;
          const head = await headNumber(a);
          for (let i = 0; i < 600; i++) {
            const c = await d.ctx.store.query<{ block: string }>("SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'detect:1'");
            if (Number(c[0]?.block ?? 0) >= head - 2) return;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error(`the ingest did not reach block ${head - 2} within 30 s`);
        };
        let published = 0;
        let nativeFromChain = 0;
        let pendingNative: Flow[] = [];
        // Native transfers: the ingest publishes them when it scans blocks for watched senders; if
        // this build's ingest does not (no taint from them once it caught up), publish the flow it
        // would have published.
        const settleNative = async () => {
          if (pendingNative.length === 0) return;
          await caughtUp();
          const seen = await d.ctx.store.query<{ tx_hash: string }>(
            'SELECT DISTINCT tx_hash FROM mixwatch.taint WHERE tx_hash IN {txs:Array(String)}',
            { txs: pendingNative.map((f) => f.tx_hash) },
          );
          const got = new Set(seen.map((r) => r.tx_hash));
          for (const f of pendingNative) {
            if (got.has(f.tx_hash)) {
              nativeFromChain++;
              continue;
            }
            await bus.publish(TOPICS.flows, [{ key: '1', value: { type: 'flow', flow: f } }]);
            published++;
          }
          pendingNative = [];
        };
        for (const step of story.steps) {
          const ts = Math.max(story.start + step.at, lastTs + 1);
          lastTs = ts;
          if (step.native) {
            // A real value transfer on the chain.
            await anvil.rpc('anvil_impersonateAccount', [step.native.from]);
            await anvil.rpc('anvil_setBalance', [step.native.from, `0x${(10n ** 24n).toString(16)}`]);
            await anvil.rpc('evm_setNextBlockTimestamp', [`0x${ts.toString(16)}`]);
            const tx = await anvil.rpc<string>('eth_sendTransaction', [
              { from: step.native.from, to: step.native.to, value: `0x${BigInt(step.native.value).toString(16)}` },
            ]);
            let rcpt: { blockNumber: string; blockHash: string; transactionIndex: string } | null = null;
            for (let i = 0; i < 200 && !rcpt; i++) {
              rcpt = await anvil.rpc<{ blockNumber: string; blockHash: string; transactionIndex: string } | null>(
                'eth_getTransactionReceipt',
                [tx],
              );
              if (!rcpt) await new Promise((r) => setTimeout(r, 10));
            }
            if (!rcpt) throw new Error(`value transfer ${tx} was not mined`);
            const f = (step.message as { flow: Flow }).flow;
            const logIndex = 1_000_000 + Number(rcpt.transactionIndex);
            pendingNative.push({
              ...f,
              flow_id: `1:${tx}:${logIndex}:0`,
              tx_hash: tx,
              log_index: logIndex,
              block_number: Number(rcpt.blockNumber),
              block_hash: rcpt.blockHash,
              block_time: ts,
            });
            continue;
          }
          await settleNative();
          if (step.log) {
            await emitLog(anvil, { ...step.log, timestamp: ts });
          } else if (step.message.type === 'flow') {
            // Keep the story's order: the chain's flows so far must be through the ingest first.
            await caughtUp();
            const f = step.message.flow;
            await bus.publish(TOPICS.flows, [{ key: String(f.chain_id), value: { type: 'flow', flow: { ...f, block_time: ts } } }]);
            published++;
          }
        }
        await settleNative();
        await mine(anvil, 3);
        const head = await headNumber(anvil);
        const deadline = Date.now() + 60_000;
        for (;;) {
          const c = await daemon.ctx.store.query<{ block: string }>(
            "SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = 'detect:1'",
          );
          if (Number(c[0]?.block ?? 0) >= head - 2 && alerts.some((a) => a.rule === 'freezable_exposure')) break;
          if (Date.now() > deadline) {
            const cur = await daemon.ctx.store.query<{ cursor_key: string; block: string }>(
              'SELECT cursor_key, block FROM mixwatch.cursors FINAL',
            );
            throw new Error(
              `the pipeline did not finish the replay within 60 s (head ${head}; cursors ${cur.map((x) => `${x.cursor_key}=${x.block}`).join(', ')}; ${alerts.length} alerts: ${[...new Set(alerts.map((a) => a.rule))].join(',')})`,
            );
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 300));

        const unique = [...new Map(alerts.map((a) => [a.alert_id, a])).values()].sort((a, b) => a.block_time - b.block_time);
        say(
          `${story.steps.length} events replayed: ${story.steps.filter((x) => x.log).length} logs and ${story.steps.filter((x) => x.native).length} value transfers on the chain (${nativeFromChain} transfers picked up by the ingest), ${published} flows published directly (see below)`,
        );
        say(`${unique.length} alerts:`);
        for (const a of unique) {
          const t = new Date(a.block_time * 1000).toISOString().slice(11, 16);
          say(`  ${SEVERITY_MARK[a.severity] ?? ' '} ${t}  ${a.severity.padEnd(8)} ${a.rule.padEnd(24)} ${a.title}`);
        }
        const rules = [...new Set(unique.map((a) => a.rule))];
        say();
        say(`rules that fired: ${rules.join(', ')}`);
        say(`severity order: ${[...SEVERITIES].reverse().join(' > ')}`);
        say();
        say('look further (the store stays in the folder above):');
        const sql = (q: string) => say(`  MIXWATCH_DATA_DIR=${dataDir} npm run -s mixwatch -- sql "${q}"`);
        sql('SELECT rule, severity, title FROM mixwatch.alerts ORDER BY block_time');
        sql("SELECT details FROM mixwatch.alerts WHERE rule = 'denomination_burst' FORMAT Vertical");
        sql('SELECT address, hops, score, via, path FROM mixwatch.taint_current ORDER BY hops, address');
        sql('SELECT * FROM mixwatch.service_usage');
        sql('SELECT * FROM mixwatch.bridge_pairing_rate');
        sql("SELECT l.label, l.source FROM mixwatch.labels AS l WHERE l.address = '0x0d043128146654c7683fbf30ac98d7b2285ded00'");
        say();
        say(
          `published as flows, in the shape the ingest publishes: the Allbridge legs (the TRON side has no node here)${published > 2 ? ' and the native transfers (this ingest does not scan block transactions for watched senders)' : ''}.`,
        );
        say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        process.stderr.write(`mixwatch demo: ${describeError(error)}\n`);
        process.exitCode = 1;
      } finally {
        await daemon?.stop().catch(() => {});
        await anvil?.stop().catch(() => {});
        if (opts.clean) rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
