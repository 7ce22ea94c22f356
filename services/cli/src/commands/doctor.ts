import { createRpc, getChainId, getHeadNumber } from '@mixwatch/chain';
import { createTestCommon, describeError, redactUrl } from '@mixwatch/core';
import { enabledChains } from '@mixwatch/ingest';
import { createStoreFromConfig, probeBus } from '@mixwatch/runtime';
import type { Command } from 'commander';
import { loadConfigOrExit } from '../common.ts';
import { readDaemonInfo } from '../daemon.ts';

type Check = { what: string; ok: boolean; detail: string };

/** `mixwatch doctor` — checks config, RPCs and chain ids, the bus, the store and the webhooks. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the config, RPC reachability and chain ids, Kafka, ClickHouse and webhooks')
    .option('-c, --config <file>', 'YAML config')
    .action(async (opts: { config?: string }) => {
      const checks: Check[] = [];
      const add = (what: string, ok: boolean, detail: string) => {
        checks.push({ what, ok, detail });
        process.stdout.write(`${ok ? 'ok  ' : 'FAIL'}  ${what.padEnd(28)} ${detail}\n`);
      };
      const config = loadConfigOrExit(opts.config);
      add('config', true, config.source);
      const common = createTestCommon();
      for (const { name, chain, cfg } of (() => {
        try {
          return enabledChains(config);
        } catch (error) {
          add('chains', false, describeError(error));
          return [];
        }
      })()) {
        const rpc = createRpc({ common, chain: name, urls: chain.rpcUrls, timeoutMs: Math.min(cfg.rpcTimeoutMs, 10_000) });
        for (const url of chain.rpcUrls) {
          const one = createRpc({ common, chain: name, urls: [url], timeoutMs: Math.min(cfg.rpcTimeoutMs, 10_000) });
          try {
            const id = await getChainId(one);
            const head = await getHeadNumber(one);
            add(
              `rpc ${name}`,
              id === chain.chainId,
              `${redactUrl(url)} chain id ${id}${id === chain.chainId ? '' : ` (expected ${chain.chainId})`}, head ${head}`,
            );
          } catch (error) {
            add(`rpc ${name}`, false, `${redactUrl(url)}: ${describeError(error).slice(0, 160)}`);
          }
        }
        void rpc;
      }
      try {
        add('bus', true, await probeBus(config, common));
      } catch (error) {
        add('bus', false, describeError(error).slice(0, 200));
      }
      const daemon = config.store.url ? undefined : readDaemonInfo(config.dataDir);
      if (daemon) {
        add('store', true, `embedded chDB held by the running daemon (pid ${daemon.pid}, port ${daemon.port})`);
      } else {
        try {
          const store = await createStoreFromConfig(config, common);
          const rows = await store.query<{ v: string }>('SELECT version() AS v');
          add(
            'store',
            true,
            `${store.kind === 'chdb' ? `embedded chDB in ${config.dataDir}` : redactUrl(config.store.url ?? '')} (ClickHouse ${rows[0]?.v})`,
          );
          await store.close();
        } catch (error) {
          add('store', false, describeError(error).slice(0, 200));
        }
      }
      try {
        const { resolveChannels } = await import('@mixwatch/notify');
        const channels = resolveChannels(config.notify);
        if (channels.length === 0)
          add('alert delivery', true, 'no channel configured (alerts stay in mixwatch.alerts; set MIXWATCH_SLACK_WEBHOOK_URL)');
        for (const c of channels) add(`channel ${c.name}`, true, `${c.type} → ${c.where}`);
      } catch (error) {
        add('alert delivery', false, describeError(error).slice(0, 200));
      }
      const failed = checks.filter((c) => !c.ok).length;
      process.stdout.write(failed ? `\n${failed} check(s) failed\n` : '\nall checks passed\n');
      process.exit(failed ? 1 : 0);
    });
}
