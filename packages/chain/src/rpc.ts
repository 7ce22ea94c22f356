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
  /** Per-request timeout, ms. Default 20_000. */
  timeoutMs?: number;
  /** Attempts per request for retryable failures (429, 5xx, timeouts, garbage), with jittered backoff. Default 4. */
  attempts?: number;
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

function retryAfterOf(error: unknown): number | undefined {
  const headers =
    (error as { headers?: Headers; cause?: { headers?: Headers } })?.headers ??
    (error as { cause?: { headers?: Headers } })?.cause?.headers;
  return parseRetryAfter(headers?.get?.('retry-after'));
}

/** A JSON-RPC client for one chain: rate limited per URL, failing over across URLs, instrumented. */
export interface Rpc {
  /** Sends one JSON-RPC request. Throws {@link RetryableError} for transport trouble, rate limits and 5xx. */
  request<T = unknown>(method: string, params: unknown[]): Promise<T>;
  /** URLs with secrets redacted, for messages. */
  readonly where: string;
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

function rateLimited(url: string, queue: PQueue, timeout: number): Transport {
  const inner = http(url, { timeout, retryCount: 0, batch: false });
  return ((options) => {
    const t = inner(options);
    return { ...t, request: (args: Parameters<typeof t.request>[0]) => queue.add(() => t.request(args)) };
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
  const transports = parameters.urls.map((url) =>
    rateLimited(
      url,
      new PQueue({
        concurrency: parameters.concurrency ?? 4,
        intervalCap: Math.max(1, Math.round(parameters.requestsPerSecond ?? 25)),
        interval: 1000,
      }),
      timeout,
    ),
  );
  const transport = (transports.length === 1 ? transports[0]! : fallback(transports, { retryCount: 0, rank: false }))({ retryCount: 0 });
  const where = parameters.urls.map(redactUrl).join(', ');
  return {
    where,
    async request<T>(method: string, params: unknown[]) {
      const labels = { chain, method };
      const once = async () => {
        common.metrics.rpcRequests.inc(labels);
        const end = common.metrics.rpcDuration.startTimer(labels);
        try {
          const result = (await transport.request({ method, params } as never)) as T;
          if (result === undefined) throw new RetryableError(`${method}: empty result from ${where}`);
          return result;
        } catch (error) {
          const retryable = error instanceof RetryableError || shouldRetryRpc(error);
          common.metrics.rpcErrors.inc({ ...labels, kind: retryable ? 'retryable' : 'fatal' });
          const msg = `${method} failed at ${where}: ${summarizeRpcError(error)}`;
          if (retryable) throw new RetryableError(msg, { cause: error, context: { chain }, retryAfterMs: retryAfterOf(error) });
          throw new FatalError(msg, { cause: error, context: { chain } });
        } finally {
          end();
        }
      };
      // Range refusals are not retried here: getLogsAdaptive splits the range instead.
      return withRetry(once, {
        attempts: parameters.attempts ?? 4,
        baseDelayMs: 100,
        maxDelayMs: 5_000,
        signal: common.signal,
        shouldRetry: (e) => e instanceof RetryableError && !isRangeTooLarge(e),
      });
    },
  };
}
