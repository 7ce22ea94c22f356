import pino from 'pino';
import { redactSecrets } from './errors.ts';

/** The logger every role uses; fields follow the vocabulary `chain`, `block_number`, `tx_hash`, `topic`, `duration_ms`. */
export type Logger = pino.Logger;

/**
 * Creates the process logger: JSON lines on stderr (stdout stays for command output),
 * level from `MIXWATCH_LOG_LEVEL` (default `info`). Every message passes through URL
 * redaction so that RPC keys and webhook tokens never reach a log.
 */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'mixwatch',
      level: options.level ?? process.env.MIXWATCH_LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const safe = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a));
          method.apply(this, safe as Parameters<typeof method>);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that discards everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
