import { Command } from 'commander';
import { register as backfill } from './commands/backfill.ts';
import { register as demo } from './commands/demo.ts';
import { register as doctor } from './commands/doctor.ts';
import { register as labels } from './commands/labels.ts';
import { register as run } from './commands/run.ts';
import { register as sql } from './commands/sql.ts';

const program = new Command('mixwatch')
  .description(
    'Watches chains for money moving through mixers, bridges and stablecoins, stores every movement as a flow in ClickHouse, and alerts on the DPRK laundering typologies of the UN MSMT (Recommendation 11).',
  )
  .version('0.1.0')
  .showHelpAfterError();
for (const r of [run, sql, doctor, backfill, labels, demo]) r(program);
program.addHelpText('after', '\nStart here: `mixwatch demo` (no network needed), then `mixwatch run`. Docs: README.md.');
await program.parseAsync(process.argv);
