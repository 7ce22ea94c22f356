import { type Common, describeError, FatalError, RetryableError, redactUrl } from '@mixwatch/core';
import PQueue from 'p-queue';
import { fallback, http, type Transport } from 'viem';

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
      common.metrics.rpcRequests.inc(labels);
      const end = common.metrics.rpcDuration.startTimer(labels);
      try {
        const result = (await transport.request({ method, params } as never)) as T;
        if (result === undefined) throw new RetryableError(`${method}: empty result from ${where}`);
        return result;
      } catch (error) {
        const retryable = error instanceof RetryableError || shouldRetryRpc(error);
        common.metrics.rpcErrors.inc({ ...labels, kind: retryable ? 'retryable' : 'fatal' });
        const msg = `${method} failed at ${where}: ${describeError(error).slice(0, 300)}`;
        if (retryable) throw new RetryableError(msg, { cause: error, context: { chain } });
        throw new FatalError(msg, { cause: error, context: { chain } });
      } finally {
        end();
      }
    },
  };
}
