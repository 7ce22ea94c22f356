import { type Logger, silentLogger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';

/**
 * Dependencies every role takes, passed as one bag: logger, metrics, and the shutdown
 * signal (aborted on SIGINT/SIGTERM; long loops watch it).
 */
export interface Common {
  logger: Logger;
  metrics: Metrics;
  signal: AbortSignal;
}

/** A `Common` for tests: silent logger, fresh metrics registry, a signal you can abort. */
export function createTestCommon(): Common & { abort: () => void } {
  const controller = new AbortController();
  return {
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    signal: controller.signal,
    abort: () => controller.abort(),
  };
}
