import { createHmac, timingSafeEqual } from 'node:crypto';
import { FatalError, parseRetryAfter, RetryableError, sleep } from '@mixwatch/core';

/** How one HTTP attempt ended (the `outcome` column of `mixwatch.notify_deliveries`, the `reason` metric label). */
export type AttemptOutcome = 'sent' | 'rate_limited' | 'server_error' | 'timeout' | 'network' | 'rejected' | 'invalid_payload';

/** A delivery attempt that may pass later: 429, 5xx, timeout, network, and 4xx other than a malformed payload. */
export class DeliveryRetryableError extends RetryableError {
  override name = 'DeliveryRetryableError';
  readonly outcome: AttemptOutcome;
  readonly httpStatus: number;
  constructor(message: string, options: { outcome: AttemptOutcome; httpStatus: number; retryAfterMs?: number; cause?: unknown }) {
    super(message, options);
    this.outcome = options.outcome;
    this.httpStatus = options.httpStatus;
  }
}

/** The receiver refused the payload itself (Slack 400 `invalid_blocks` / `invalid_payload`): resending it unchanged cannot pass. */
export class DeliveryPayloadError extends FatalError {
  override name = 'DeliveryPayloadError';
  readonly outcome: AttemptOutcome = 'invalid_payload';
  readonly httpStatus: number;
  constructor(message: string, options: { httpStatus: number; cause?: unknown }) {
    super(message, options);
    this.httpStatus = options.httpStatus;
  }
}

/** The outcome and HTTP status carried by a delivery error (`network`/0 for anything else). */
export function classify(error: unknown): { outcome: AttemptOutcome; httpStatus: number } {
  if (error instanceof DeliveryRetryableError || error instanceof DeliveryPayloadError)
    return { outcome: error.outcome, httpStatus: error.httpStatus };
  return { outcome: 'network', httpStatus: 0 };
}

/**
 * The one retry predicate of the Slack/webhook boundary, for retries inside one delivery round:
 * 429 (after Retry-After), 5xx, timeouts and network errors are retried; a refused payload is not
 * (it gets the plain-text fallback); other 4xx (403/404/410: revoked or mistyped webhook) are not
 * retried in the round but stay pending in the outbox with a long backoff — an operator fixes the URL.
 */
export function shouldRetryDelivery(error: unknown): boolean {
  return error instanceof DeliveryRetryableError && error.outcome !== 'rejected';
}

/** One endpoint with its own pacing state. `url` is a secret: only `where` (redacted) is ever printed. */
export interface Endpoint {
  /** Channel name, for messages. */
  name: string;
  url: string;
  /** Least time between two POSTs, ms (1000 / ratePerSecond). */
  intervalMs: number;
  timeoutMs: number;
  /** Wall clock (ms) the last POST ended (answer, error or timeout). */
  lastPostAt: number;
  /** No POST before this wall clock (ms): set by a 429's Retry-After, for the whole webhook. */
  pausedUntil: number;
}

/** Headers added to every generic-webhook POST. */
export interface SignedHeaders {
  'x-mixwatch-timestamp': string;
  'x-mixwatch-signature': string;
  'x-mixwatch-delivery': string;
}

/**
 * HMAC-SHA256 signature of a webhook body: hex of HMAC(key, `${timestamp}.${body}`), sent as
 * `X-Mixwatch-Signature: sha256=<hex>` with `X-Mixwatch-Timestamp` (unix seconds) so that a
 * receiver can refuse replays. `X-Mixwatch-Delivery` is the idempotency key (channel:message id).
 */
export function signWebhook(body: string, key: string, timestampSec: number, deliveryId: string): SignedHeaders {
  const mac = createHmac('sha256', key).update(`${timestampSec}.${body}`).digest('hex');
  return { 'x-mixwatch-timestamp': String(timestampSec), 'x-mixwatch-signature': `sha256=${mac}`, 'x-mixwatch-delivery': deliveryId };
}

/** Receiver side of {@link signWebhook}: constant-time check of the signature header. */
export function verifyWebhookSignature(body: string, key: string, timestamp: string, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`);
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/**
 * POSTs `body` (JSON text) to the endpoint once, after waiting for its pacing gate (at least
 * `intervalMs` after the previous POST and not before `pausedUntil`). Resolves with the HTTP status
 * on 2xx. Throws {@link DeliveryRetryableError} (429 with `retryAfterMs` from Retry-After — and the
 * whole endpoint paused that long —, 5xx, timeout, network, other 4xx as `rejected`) or
 * {@link DeliveryPayloadError} (400). `signal` interrupts the gate wait only: a request already sent
 * is allowed to finish (bounded by `timeoutMs`) so that its outcome can be recorded.
 */
export async function postOnce(
  endpoint: Endpoint,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<{ httpStatus: number }> {
  for (;;) {
    const wait = Math.max(endpoint.lastPostAt + endpoint.intervalMs, endpoint.pausedUntil) - Date.now();
    if (wait <= 0) break;
    await sleep(wait, signal);
  }
  signal.throwIfAborted();
  // Pacing is measured from the end of the previous request: the receiver then sees arrivals at least
  // `intervalMs` apart whatever the latency (at the cost of rate = 1 / (interval + latency)).
  endpoint.lastPostAt = Date.now();
  try {
    return await postUnpaced(endpoint, body, headers);
  } finally {
    endpoint.lastPostAt = Date.now();
  }
}

async function postUnpaced(endpoint: Endpoint, body: string, headers: Record<string, string>): Promise<{ httpStatus: number }> {
  const where = `channel ${endpoint.name}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(endpoint.timeoutMs),
      redirect: 'error',
    });
    text = await res.text();
  } catch (error) {
    const name = (error as { name?: string })?.name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new DeliveryRetryableError(`${where}: no answer within ${endpoint.timeoutMs} ms`, { outcome: 'timeout', httpStatus: 0 });
    const code = (error as { cause?: { code?: string } })?.cause?.code;
    // Never chain `error` itself: undici's messages can quote the URL, which is a secret.
    throw new DeliveryRetryableError(`${where}: network error${code ? ` ${code}` : ''}`, { outcome: 'network', httpStatus: 0 });
  }
  const brief = text.slice(0, 120).replace(/\s+/g, ' ');
  if (res.status >= 200 && res.status < 300) return { httpStatus: res.status };
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after')) ?? 1_000;
    endpoint.pausedUntil = Math.max(endpoint.pausedUntil, Date.now() + retryAfterMs);
    throw new DeliveryRetryableError(`${where}: rate limited (429), retry after ${retryAfterMs} ms`, {
      outcome: 'rate_limited',
      httpStatus: 429,
      retryAfterMs,
    });
  }
  if (res.status >= 500)
    throw new DeliveryRetryableError(`${where}: server error ${res.status} ${brief}`, { outcome: 'server_error', httpStatus: res.status });
  if (res.status === 400 || res.status === 413 || res.status === 422)
    throw new DeliveryPayloadError(`${where}: payload refused (${res.status} ${brief})`, { httpStatus: res.status });
  throw new DeliveryRetryableError(`${where}: refused (${res.status} ${brief}); check the webhook URL`, {
    outcome: 'rejected',
    httpStatus: res.status,
  });
}
