import { describeError } from '@mixwatch/core';
import { type BackfillProgress, runBackfill } from '@mixwatch/ingest';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfigOrExit, processCommon } from '../common.ts';
import { readDaemonInfo, runDaemon } from '../daemon.ts';

function bar() {
  const b = new SingleBar({
    format: ' {chain} |{bar}| {percentage}% | blocks {value}/{total} | {flows} flows | {rate} blk/s | ETA {eta_formatted}',
    hideCursor: true,
    barsize: 30,
    etaBuffer: 20,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  let started = false;
  return {
    update(p: BackfillProgress) {
      const total = p.to - p.from + 1;
      const value = Math.max(0, p.published - p.from + 1);
      const secs = Math.max(0.001, (Date.now() - p.startedAt) / 1000);
      const payload = { chain: p.chain, flows: p.flows, rate: Math.round(value / secs) };
      if (!started) {
        b.start(total, value, payload);
        started = true;
      } else {
        b.setTotal(total);
        b.update(value, payload);
      }
    },
    stop: () => started && b.stop(),
  };
}

/** `mixwatch backfill` — historical load with a progress bar. */
export function register(program: Command): void {
  program
    .command('backfill')
    .description('load history of a chain into the store, with a progress bar; resumable; safe while `run` is live')
    .requiredOption('--chain <name>', 'configured chain, e.g. ethereum')
    .requiredOption('--from <block>', 'first block', (v) => Number.parseInt(v, 10))
    .option('--to <block>', 'last block (default: head − confirmations)', (v) => Number.parseInt(v, 10))
    .option('-c, --config <file>', 'YAML config')
    .addHelpText('after', '\nRe-running the same range continues after the last durable block (cursor backfill:<chain id>:<from>-<to>).')
    .action(async (opts: { chain: string; from: number; to?: number; config?: string }) => {
      if (!Number.isFinite(opts.from) || opts.from < 0 || (opts.to !== undefined && !Number.isFinite(opts.to))) {
        process.stderr.write('mixwatch backfill: --from and --to take block numbers\n');
        process.exit(2);
      }
      const config = loadConfigOrExit(opts.config);
      if (!config.chains[opts.chain]?.enabled) {
        process.stderr.write(
          `mixwatch backfill: chain ${opts.chain} is not configured (chains: ${Object.keys(config.chains).join(', ')})\n`,
        );
        process.exit(2);
      }
      const progress = bar();
      const daemon = config.store.url ? undefined : readDaemonInfo(config.dataDir);
      try {
        if (daemon) {
          // The daemon holds the embedded store: run the job inside it and follow its progress.
          const base = `http://${daemon.host === '0.0.0.0' ? '127.0.0.1' : daemon.host}:${daemon.port}`;
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${daemon.token}` };
          const res = await fetch(`${base}/backfill`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ chain: opts.chain, from: opts.from, to: opts.to }),
          });
          if (!res.ok) throw new Error(await res.text());
          const { id } = (await res.json()) as { id: string };
          for (;;) {
            const job = (await (await fetch(`${base}/backfill?id=${encodeURIComponent(id)}`, { headers })).json()) as BackfillProgress & {
              error?: string;
            };
            if (job.to) progress.update(job);
            if (job.error) throw new Error(job.error);
            if (job.done) break;
            await new Promise((r) => setTimeout(r, 500));
          }
          progress.stop();
          process.stdout.write('backfill done (run inside the daemon)\n');
          return;
        }
        const common = processCommon();
        // Backfill loads flows only (detection over history would notify about old events).
        const d = await runDaemon({ config: { ...config, http: { ...config.http, port: 0 } }, common, roles: ['sink'], partial: true });
        try {
          const p = await runBackfill({
            ctx: { ...d.ctx, config },
            chain: opts.chain,
            from: opts.from,
            to: opts.to,
            onProgress: (pr) => progress.update(pr),
          });
          progress.stop();
          process.stdout.write(
            `backfill ${p.done ? 'done' : 'interrupted'}: blocks ${p.from}-${p.to}, ${p.flows} flows, ${p.deadLetters} dead letters, durable up to ${p.durable}\n`,
          );
        } finally {
          await d.stop();
        }
      } catch (error) {
        progress.stop();
        process.stderr.write(`mixwatch backfill: ${describeError(error)}\n`);
        process.exit(1);
      }
    });
}
