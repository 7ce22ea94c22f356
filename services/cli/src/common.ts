import { type Config, loadConfig } from '@mixwatch/config';
import { type Common, createLogger, createMetrics, describeError } from '@mixwatch/core';

/** Builds the process's Common bag; the signal aborts on SIGINT/SIGTERM (a second signal exits at once). */
export function processCommon(): Common & { controller: AbortController } {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`\nmixwatch: second ${sig}, exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`\nmixwatch: ${sig} received, finishing current work and flushing (again to force)\n`);
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return { logger: createLogger(), metrics: createMetrics(), signal: controller.signal, controller };
}

/** Loads the config or exits with the error that names the key. */
export function loadConfigOrExit(file: string | undefined): Config & { source: string } {
  try {
    return loadConfig({ file });
  } catch (error) {
    process.stderr.write(`mixwatch: ${describeError(error)}\n`);
    process.exit(2);
  }
}
