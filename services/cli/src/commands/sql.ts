import { createTestCommon, describeError } from '@mixwatch/core';
import { createStoreFromConfig, QUERY_FORMATS } from '@mixwatch/runtime';
import type { Command } from 'commander';
import { loadConfigOrExit } from '../common.ts';
import { readDaemonInfo } from '../daemon.ts';

/** `mixwatch sql` — analysts' SQL against the configured store. */
export function register(program: Command): void {
  program
    .command('sql')
    .description('run SQL against the configured store (through the running daemon when it holds the embedded store)')
    .argument('<query>', 'SQL, e.g. "SELECT service, action, count() FROM mixwatch.flows GROUP BY ALL"')
    .option('-f, --format <format>', `output: ${Object.keys(QUERY_FORMATS).join(', ')}`, 'table')
    .option('-c, --config <file>', 'YAML config')
    .addHelpText(
      'after',
      '\nQueries run read-only with FINAL applied, so every flow and alert appears once.\nTables: mixwatch.flows, alerts, dlq, cursors, chain_status (see schemas/clickhouse).',
    )
    .action(async (query: string, opts: { format: string; config?: string }) => {
      const format = QUERY_FORMATS[opts.format];
      if (!format) {
        process.stderr.write(`mixwatch sql: unknown --format ${opts.format}; use one of ${Object.keys(QUERY_FORMATS).join(', ')}\n`);
        process.exit(2);
      }
      const config = loadConfigOrExit(opts.config);
      try {
        const daemon = config.store.url ? undefined : readDaemonInfo(config.dataDir);
        if (daemon) {
          const res = await fetch(`http://${daemon.host === '0.0.0.0' ? '127.0.0.1' : daemon.host}:${daemon.port}/query`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${daemon.token}` },
            body: JSON.stringify({ query, format: opts.format }),
          });
          const text = await res.text();
          if (!res.ok) throw new Error(text.trim());
          process.stdout.write(text);
          return;
        }
        const common = createTestCommon();
        const store = await createStoreFromConfig(config, common);
        try {
          await store.migrate();
          process.stdout.write(await store.analystQuery(query, format));
        } finally {
          await store.close();
        }
      } catch (error) {
        process.stderr.write(`mixwatch sql: ${describeError(error)}\n`);
        process.exit(1);
      }
    });
}
