/**
 * The error tree. The first split is retryability: a {@link RetryableError} may succeed
 * if tried again (network, 429, 5xx, broker unavailable); a {@link FatalError} will not
 * (bad config, programming error, a reorg deeper than finality). Messages are short and
 * never contain secrets; the cause chain keeps the detail.
 */
export class MixwatchError extends Error {
  override name = 'MixwatchError';
  /** Where it happened, in the log-field vocabulary (`chain`, `block_number`, `topic`…). */
  readonly context: Record<string, unknown>;
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.context = options.context ?? {};
  }
}

/** A failure that may pass if the same operation is tried again later. */
export class RetryableError extends MixwatchError {
  override name = 'RetryableError';
  /** Milliseconds the other side asked us to wait (`Retry-After`), when it said so. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown>; retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A failure that will not pass by retrying: stop, say what and where. */
export class FatalError extends MixwatchError {
  override name = 'FatalError';
}

/** Configuration is invalid: the message names the key and the expected form. */
export class ConfigError extends FatalError {
  override name = 'ConfigError';
}

/** An input item (log, message) is malformed: it goes to the dead-letter topic, the pipeline goes on. */
export class DecodeError extends MixwatchError {
  override name = 'DecodeError';
}

/** A reorg reached below the kept window of block hashes: data may be wrong, an operator must look. */
export class DeepReorgError extends FatalError {
  override name = 'DeepReorgError';
}

/** True when `error` (or anything in its cause chain) is a {@link RetryableError}. */
export function isRetryable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e instanceof RetryableError) return true;
    if (e instanceof FatalError) return false;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** One line for logs: the message of each error in the cause chain. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const line = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
    if (line && !parts.some((p) => p.includes(line))) parts.push(line);
    e = (e as { cause?: unknown }).cause;
  }
  return redactSecrets(parts.join(' <- ')).slice(0, 600);
}

const URL_RE = /\b(https?|wss?):\/\/[^\s"'<>]+/gi;

/**
 * Redacts what could be a secret inside a URL (path, query, user info), keeping scheme,
 * host and port so that operators still see where: `https://host/***`. RPC keys and Slack
 * webhook tokens live in URL paths.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname && u.pathname !== '/' ? '/***' : '';
    const query = u.search ? '?***' : '';
    return `${u.protocol}//${u.host}${path}${query}`;
  } catch {
    return '***';
  }
}

/** Redacts every URL found in free text (see {@link redactUrl}). */
export function redactSecrets(text: string): string {
  return text.replace(URL_RE, (m) => {
    const trail = /[.,:;)\]}]+$/.exec(m)?.[0] ?? '';
    return redactUrl(m.slice(0, m.length - trail.length)) + trail;
  });
}
