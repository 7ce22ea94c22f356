import { describeError } from '@mixwatch/core';
import type { Command } from 'commander';
import { loadConfigOrExit, processCommon } from '../common.ts';
import { parseRoles, runDaemon } from '../daemon.ts';

/** `mixwatch run` — the daemon. */
export function register(program: Command): void {
  program
    .command('run')
    .description('run the daemon: with no flags, every role in one process with the embedded bus and store')
    .option('-c, --config <file>', 'YAML config (default ./mixwatch.yaml if present, else built-in defaults)')
    .option('--roles <list>', 'comma-separated subset of ingest,sink,detect,notify (needs MIXWATCH_KAFKA_BROKERS when not all)')
    .addHelpText(
      'after',
      `
Environment:
  MIXWATCH_DATA_DIR            embedded store folder (default ./data)
  MIXWATCH_RPC_<CHAIN>         comma-separated RPC URLs for a chain, e.g. MIXWATCH_RPC_ETHEREUM
  MIXWATCH_CLICKHOUSE_URL      use a ClickHouse server instead of the embedded store
  MIXWATCH_KAFKA_BROKERS       use Kafka instead of the in-process bus (enables --roles)
  MIXWATCH_SLACK_WEBHOOK_URL   deliver alerts to this Slack incoming webhook
  MIXWATCH_HTTP_PORT           metrics/health port (default 9464, bound to 127.0.0.1)

Endpoints: http://127.0.0.1:9464/metrics, /healthz, /readyz`,
    )
    .action(async (opts: { config?: string; roles?: string }) => {
      const config = loadConfigOrExit(opts.config);
      const common = processCommon();
      common.logger.info(
        { config: config.source, chains: Object.keys(config.chains).filter((c) => config.chains[c]?.enabled) },
        'starting',
      );
      let daemon: Awaited<ReturnType<typeof runDaemon>>;
      try {
        daemon = await runDaemon({ config, common, roles: parseRoles(opts.roles) });
      } catch (error) {
        process.stderr.write(`mixwatch: cannot start: ${describeError(error)}\n`);
        process.exit(1);
      }
      await new Promise<void>((resolve) => common.signal.addEventListener('abort', () => resolve(), { once: true }));
      await daemon.stop();
      process.exit(0);
    });
}
