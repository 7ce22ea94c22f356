import { createTestCommon, describeError } from '@mixwatch/core';
import { LABEL_CATEGORIES, readLabelsFile, saveLabels } from '@mixwatch/labels';
import { createStoreFromConfig } from '@mixwatch/runtime';
import type { Command } from 'commander';
import { loadConfigOrExit } from '../common.ts';
import { readDaemonInfo } from '../daemon.ts';

/**
 * `mixwatch labels import FILE.csv` — adds labelled addresses (a user watchlist, an exchange's
 * deposit addresses…) to `mixwatch.labels`. The file is validated first; a bad row stops the
 * import with the file and line. Re-importing the same file changes nothing; a changed label or
 * source for the same (address, chain, category) replaces the row. A running daemon picks new
 * labels up within a minute (detect re-reads the table).
 */
export function register(program: Command): void {
  const labels = program.command('labels').description('labelled addresses (OFAC SDN, DPRK attributions, your watchlists)');
  labels
    .command('import')
    .description('add labelled addresses from a CSV file with the header address,chain,label,category,source')
    .argument('<file>', 'CSV file')
    .option('-c, --config <file>', 'YAML config')
    .option('--dry-run', 'validate the file and print what would be imported, write nothing')
    .addHelpText(
      'after',
      `\nColumns: address (0x… or TRON base58 T…), chain (ethereum, tron…; an EVM label applies on every EVM chain),\nlabel, category (${LABEL_CATEGORIES.join(', ')}), source (where the fact comes from).\nCategories sanctioned, dprk_attributed and watchlist start taint; the others name services.`,
    )
    .action(async (file: string, opts: { config?: string; dryRun?: boolean }) => {
      let rows: ReturnType<typeof readLabelsFile>;
      try {
        rows = readLabelsFile(file);
      } catch (error) {
        process.stderr.write(`mixwatch labels import: ${describeError(error)}\n`);
        process.exit(2);
      }
      const byCategory = new Map<string, number>();
      for (const r of rows) byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + 1);
      const summary = [...byCategory].map(([c, n]) => `${c} ${n}`).join(', ');
      if (opts.dryRun) {
        process.stdout.write(`${file}: ${rows.length} valid labels (${summary}); nothing written (--dry-run)\n`);
        return;
      }
      const config = loadConfigOrExit(opts.config);
      const daemon = config.store.url ? undefined : readDaemonInfo(config.dataDir);
      if (daemon) {
        process.stderr.write(
          `mixwatch labels import: a running daemon (pid ${daemon.pid}) holds the embedded store in ${config.dataDir}; stop it first, or add ${file} to labels.files in the config (loaded at every start)\n`,
        );
        process.exit(1);
      }
      try {
        const store = await createStoreFromConfig(config, createTestCommon());
        try {
          await store.migrate();
          const written = await saveLabels(store, rows);
          process.stdout.write(`imported ${written} labels from ${file} (${summary}) into mixwatch.labels\n`);
          process.stdout.write('look: mixwatch sql "SELECT category, count() FROM mixwatch.labels GROUP BY category"\n');
        } finally {
          await store.close();
        }
      } catch (error) {
        process.stderr.write(`mixwatch labels import: ${describeError(error)}\n`);
        process.exit(1);
      }
    });
}
