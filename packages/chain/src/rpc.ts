import { type Common, FatalError, parseRetryAfter, RetryableError, redactSecrets, redactUrl, withRetry } from '@mixwatch/core';
import PQueue from 'p-queue';
import { fallback, http, type Transport } from 'viem';
import { isRangeTooLarge } from './getLogs.ts';

/** Options of {@link createRpc}. */
export interface CreateRpcParameters {
  common: Common;
  chain: string;
  /** JSON-RPC URLs, tried in order by viem `fallback` (the next one takes over when one fails). */
  urls: string[];
  /** Requests in flight per URL. Default 4. */
  concurrency?: number;
  /** Requests per second per URL. Default 25. */
  requestsPerSecond?: number;
  /**
   * Per-request timeout, ms, of the first attempt. Default 20_000. Each retry after a timeout
   * doubles it (up to 8× or 60 s, whichever is larger than the base): a provider that is slow
   * rather than dead answers a later attempt instead of every attempt being abandoned just
   * before its answer.
   */
  timeoutMs?: number;
  /** Attempts per request for retryable failures (5xx, timeouts, garbage), with jittered backoff. Default 4. */
  attempts?: number;
  /**
   * Attempts per request when the provider rate-limits (HTTP 429): it asked us to slow down, not
   * failed, so the request persists longer (exponential backoff, at least `Retry-After`). Default 8.
   */
  rateLimitAttempts?: number;
  /**
   * Calls released together by a URL's queue (at most `concurrency`) leave as one JSON-RPC batch of
   * at most this many; pacing stays per call. 1 = no batching. Default 1.
   */
  batchSize?: number;
}

/** A short, secret-free description of an RPC failure (viem errors carry the whole request body). */
export function summarizeRpcError(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; status?: number; details?: string; code?: number };
  const parts = [e?.shortMessage ?? String(e?.message ?? error).split('\n')[0]];
  if (e?.status) parts.push(`HTTP ${e.status}`);
  if (e?.code !== undefined && typeof e.code === 'number') parts.push(`code ${e.code}`);
  if (e?.details) parts.push(String(e.details).slice(0, 120));
  return redactSecrets(parts.join(', '));
}

/**
 * The wait a provider asked for, in ms. `Retry-After: 0` (common behind load balancers) gives
 * undefined: "now" is no instruction, so the jittered exponential backoff applies instead of
 * an immediate retry that only earns the next 429.
 */
function retryAfterOf(error: unknown): number | undefined {
  const headers =
    (error as { headers?: Headers; cause?: { headers?: Headers } })?.headers ??
    (error as { cause?: { headers?: Headers } })?.cause?.headers;
  const ms = parseRetryAfter(headers?.get?.('retry-after'));
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** True when `error` or one of its first causes matches (viem wraps errors a few levels deep). */
function inCauses(
  error: unknown,
  match: (e: { name?: string; status?: number; code?: number; message?: string; details?: string }) => boolean,
) {
  let e: unknown = error;
  for (let i = 0; e && i < 4; i++) {
    if (match(e as never)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** True when the request was abandoned at the client-side timeout (viem `TimeoutError`). */
export function isTimeout(error: unknown): boolean {
  return inCauses(error, (e) => e.name === 'TimeoutError');
}

/** True when the provider rate-limited the request (HTTP 429 or a JSON-RPC "rate limit" error). */
export function isRateLimited(error: unknown): boolean {
  return inCauses(
    error,
    (e) => e.status === 429 || e.code === 429 || /too many requests|rate limit/i.test(`${e.message ?? ''} ${e.details ?? ''}`),
  );
}

/** A JSON-RPC client for one chain: rate limited per URL, failing over across URLs, instrumented. */
export interface Rpc {
  /** Sends one JSON-RPC request. Throws {@link RetryableError} for transport trouble, rate limits and 5xx. */
  request<T = unknown>(method: string, params: unknown[]): Promise<T>;
  /** URLs with secrets redacted, for messages. */
  readonly where: string;
  /** Number of configured URLs (providers). Absent = 1. */
  readonly providers?: number;
  /**
   * The same client asking URL `index` (modulo {@link providers}) first and failing over to the
   * others in order: same queues and rate limits. Used to read a range a second time from
   * another provider. Absent = this client.
   */
  preferring?(index: number): Rpc;
}

/**
 * Decides whether an RPC failure may pass if tried again: network errors, timeouts, HTTP 429
 * and 5xx, JSON-RPC "limit exceeded" / internal errors, and unparseable bodies (a proxy's HTML
 * page, a truncated answer). Not retryable: method not found, invalid params that are not about
 * ranges — retrying a programming error only hides it.
 */
export function shouldRetryRpc(error: unknown): boolean {
  const e = error as { status?: number; code?: number; name?: string; message?: string; details?: string; cause?: unknown };
  const status = e?.status ?? (e?.cause as { status?: number } | undefined)?.status;
  if (status === 429 || (typeof status === 'number' && status >= 500)) return true;
  if (status === 408) return true;
  const code = e?.code;
  if (code === -32601) return false; // method not found
  if (code === -32005 || code === -32603 || code === -32000 || code === -32002 || code === -32603) return true;
  const text = `${e?.name ?? ''} ${e?.message ?? ''} ${e?.details ?? ''}`;
  if (/method not found|not supported|unsupported method/i.test(text)) return false;
  if (
    /timeout|timed out|fetch failed|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ENOTFOUND|socket|network|rate limit|too many requests|unexpected end|JSON|parse|HttpRequestError|busy|unavailable|header|aborted/i.test(
      text,
    )
  )
    return true;
  return false;
}

/**
 * Methods never sent inside a JSON-RPC batch: their answers can be large, the answers of a batch
 * share one response body, and providers (anvil too) refuse bodies past a size limit, which would
 * make getLogsAdaptive split ranges that alone fit (measured: 160 splits in 200k events).
 */
const UNBATCHED = new Set(['eth_getLogs']);

function rateLimited(url: string, queue: PQueue, timeout: number, batchSize: number): Transport {
  // Calls the queue releases in the same tick leave as one JSON-RPC batch (pacing stays per call:
  // providers count every call of a batch).
  const single = http(url, { timeout, retryCount: 0, batch: false });
  const batched = batchSize > 1 ? http(url, { timeout, retryCount: 0, batch: { batchSize, wait: 0 } }) : undefined;
  return ((options) => {
    const s = single(options);
    const b = batched?.(options);
    return {
      ...s,
      request: (args: Parameters<typeof s.request>[0]) => queue.add(() => (b && !UNBATCHED.has(args.method) ? b : s).request(args)),
    };
  }) as Transport;
}

/**
 * Creates the RPC client of a chain: one `p-queue` per URL (concurrency and requests/second),
 * viem `http` transports under viem `fallback`, and metrics per method. Retries are the
 * caller's (with {@link shouldRetryRpc}): the loops that call this know how long to persist.
 */
export function createRpc(parameters: CreateRpcParameters): Rpc {
  const { common, chain } = parameters;
  if (parameters.urls.length === 0)
    throw new FatalError(`chain ${chain}: no RPC URL configured (set chains.${chain}.rpc or MIXWATCH_RPC_${chain.toUpperCase()})`);
  const timeout = parameters.timeoutMs ?? 20_000;
  const attempts = parameters.attempts ?? 4;
  const rateLimitAttempts = Math.max(attempts, parameters.rateLimitAttempts ?? 8);
  const maxTimeout = Math.max(timeout, Math.min(timeout * 8, 60_000));
  const queues = parameters.urls.map(
    () =>
      new PQueue({
        concurrency: parameters.concurrency ?? 4,
        intervalCap: Math.max(1, Math.round(parameters.requestsPerSecond ?? 25)),
        interval: 1000,
      }),
  );
  const n = parameters.urls.length;
  const where = parameters.urls.map(redactUrl).join(', ');
  // One viem transport per (first URL, timeout): the queues (rate limits) are per URL and shared.
  const built = new Map<string, ReturnType<Transport>>();
  const transportOf = (first: number, timeoutMs: number) => {
    const key = `${first}:${timeoutMs}`;
    let t = built.get(key);
    if (!t) {
      const order = parameters.urls
        .map((_, i) => (first + i) % n)
        .map((i) => rateLimited(parameters.urls[i]!, queues[i]!, timeoutMs, parameters.batchSize ?? 1));
      t = (order.length === 1 ? order[0]! : fallback(order, { retryCount: 0, rank: false }))({ retryCount: 0 });
      built.set(key, t);
    }
    return t;
  };
  const views = new Map<number, Rpc>();
  /** The client whose fallback order starts at URL `first`. */
  const view = (first: number): Rpc => {
    const cached = views.get(first);
    if (cached) return cached;
    const rpc: Rpc = {
      where,
      providers: n,
      preferring: (index: number) => view(((index % n) + n) % n),
      async request<T>(method: string, params: unknown[]) {
        const labels = { chain, method };
        let attemptTimeout = timeout;
        const once = async () => {
          common.metrics.rpcRequests.inc(labels);
          const end = common.metrics.rpcDuration.startTimer(labels);
          try {
            const result = (await transportOf(first, attemptTimeout).request({ method, params } as never)) as T;
            if (result === undefined) throw new RetryableError(`${method}: empty result from ${where}`);
            return result;
          } catch (error) {
            if (isTimeout(error)) attemptTimeout = Math.min(maxTimeout, attemptTimeout * 2);
            const retryable = error instanceof RetryableError || shouldRetryRpc(error);
            common.metrics.rpcErrors.inc({ ...labels, kind: retryable ? 'retryable' : 'fatal' });
            const msg = `${method} failed at ${where}: ${summarizeRpcError(error)}`;
            if (retryable) throw new RetryableError(msg, { cause: error, context: { chain }, retryAfterMs: retryAfterOf(error) });
            throw new FatalError(msg, { cause: error, context: { chain } });
          } finally {
            end();
          }
        };
        // Range refusals are not retried here: getLogsAdaptive splits the range instead. A
        // rate limit persists longer than other failures (backoff doubles from 100 ms to 5 s).
        return withRetry(once, {
          attempts: rateLimitAttempts,
          baseDelayMs: 100,
          maxDelayMs: 5_000,
          signal: common.signal,
          shouldRetry: (e, attempt) =>
            e instanceof RetryableError && !isRangeTooLarge(e) && attempt < (isRateLimited(e) ? rateLimitAttempts : attempts),
        });
      },
    };
    views.set(first, rpc);
    return rpc;
  };
  return view(0);
}
