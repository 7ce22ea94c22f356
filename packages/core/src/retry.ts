import { isRetryable } from './errors.ts';

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Attempts in all, first included. Default 5; `Infinity` retries until `signal` aborts. */
  attempts?: number;
  /** First delay in ms, doubled each time. Default 250. */
  baseDelayMs?: number;
  /** Upper bound of one delay in ms. Default 30_000. */
  maxDelayMs?: number;
  /** Decides whether an error is worth another try. Default {@link isRetryable}. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (for logs and metrics). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, retrying the errors `shouldRetry` accepts with exponential
 * backoff and full jitter; honours a `retryAfterMs` carried by the error (HTTP `Retry-After`).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const shouldRetry = options.shouldRetry ?? ((e: unknown) => isRetryable(e));
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !shouldRetry(error, attempt)) throw error;
      const asked = (error as { retryAfterMs?: number }).retryAfterMs;
      const backoff = Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      const delay = asked !== undefined ? Math.min(Math.max(asked, 0), 10 * max) : backoff;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses an HTTP `Retry-After` header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
