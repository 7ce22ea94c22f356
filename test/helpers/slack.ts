import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the stand-in answers one request. */
export type SlackReply =
  /** 200 `ok` (after validating the payload like Slack: 400 `invalid_blocks` / `no_text` when malformed). */
  | { kind: 'ok' }
  /** 200 `ok` without validating the payload (a generic webhook receiver). */
  | { kind: 'accept' }
  /** 429 `rate_limited` with `Retry-After: seconds`. */
  | { kind: 'rate_limited'; retryAfterSec: number }
  /** 5xx (default 500) with a short body. */
  | { kind: 'server_error'; status?: number }
  /** Never answers (until `close()` or `hangMs`, then the socket is destroyed). */
  | { kind: 'hang'; hangMs?: number }
  /** 400 `invalid_blocks` whatever the payload. */
  | { kind: 'invalid_blocks' }
  /** Any status and body. */
  | { kind: 'status'; status: number; body: string };

/** One request the stand-in received. */
export interface SlackRequest {
  /** Arrival time, ms since the epoch with sub-ms precision (performance.timeOrigin + performance.now()). */
  at: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Parsed body; undefined when not JSON. */
  json: unknown;
  /** Status answered; undefined while hanging or when the socket was destroyed without an answer. */
  status: number | undefined;
  /** Which reply was used. */
  reply: SlackReply['kind'];
}

/** A local HTTP server on 127.0.0.1 that behaves like Slack incoming webhooks. */
export interface SlackStandIn {
  /** Base URL `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** A webhook URL with a Slack-like secret path: `${origin}/services/T000/B000/<token>`. */
  webhookUrl(token?: string): string;
  /** Every request so far, in arrival order. */
  readonly requests: SlackRequest[];
  /** Requests answered 200 (delivered messages). */
  delivered(): SlackRequest[];
  /** Replies for the next requests, in order; afterwards the default reply applies. */
  script(...replies: SlackReply[]): void;
  /** The reply when the script is empty (initially `{ kind: 'ok' }`). */
  setDefault(reply: SlackReply): void;
  /** Resolves when `predicate(requests)` holds (checked on every request and every 20 ms); rejects after `timeoutMs` (default 30 s). */
  waitFor(predicate: (requests: SlackRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** What Slack itself checks in a Block Kit payload (a subset of its limits: enough to catch our mistakes). */
export function validateSlackPayload(json: unknown): 'ok' | 'invalid_payload' | 'no_text' | 'invalid_blocks' {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return 'invalid_payload';
  const p = json as { text?: unknown; blocks?: unknown };
  if (p.blocks === undefined) return typeof p.text === 'string' && p.text !== '' ? 'ok' : 'no_text';
  if (!Array.isArray(p.blocks) || p.blocks.length === 0 || p.blocks.length > 50) return 'invalid_blocks';
  const textOk = (t: unknown, max: number) =>
    !!t &&
    typeof t === 'object' &&
    ['plain_text', 'mrkdwn'].includes((t as { type?: string }).type ?? '') &&
    typeof (t as { text?: unknown }).text === 'string' &&
    (t as { text: string }).text.length > 0 &&
    (t as { text: string }).text.length <= max;
  for (const b of p.blocks as Array<Record<string, unknown>>) {
    if (!b || typeof b !== 'object') return 'invalid_blocks';
    switch (b.type) {
      case 'header':
        if (!textOk(b.text, 150) || (b.text as { type: string }).type !== 'plain_text') return 'invalid_blocks';
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) return 'invalid_blocks';
        if (b.text !== undefined && !textOk(b.text, 3000)) return 'invalid_blocks';
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10 || b.fields.some((f) => !textOk(f, 2000))) return 'invalid_blocks';
        }
        break;
      }
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10 || b.elements.some((e) => !textOk(e, 3000)))
          return 'invalid_blocks';
        break;
      case 'divider':
        break;
      default:
        return 'invalid_blocks';
    }
  }
  return 'ok';
}

/**
 * Starts the Slack stand-in on 127.0.0.1 (random port). Scriptable per test: `script(...)` queues
 * replies (`ok`, 429 + Retry-After, 5xx, hang, invalid_blocks, any status); every request is
 * recorded with its arrival time, body and the status answered.
 */
export async function startSlackStandIn(): Promise<SlackStandIn> {
  const requests: SlackRequest[] = [];
  const scripted: SlackReply[] = [];
  let fallback: SlackReply = { kind: 'ok' };
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const reply = scripted.shift() ?? fallback;
      const r: SlackRequest = {
        at: performance.timeOrigin + performance.now(),
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        status: undefined,
        reply: reply.kind,
      };
      requests.push(r);
      const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
        r.status = status;
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end(text);
        notify();
      };
      switch (reply.kind) {
        case 'ok': {
          if (req.method !== 'POST') return answer(405, 'invalid_method');
          const verdict = validateSlackPayload(json);
          return verdict === 'ok' ? answer(200, 'ok') : answer(400, verdict);
        }
        case 'accept':
          return answer(200, 'ok');
        case 'rate_limited':
          return answer(429, 'rate_limited', { 'retry-after': String(reply.retryAfterSec) });
        case 'server_error':
          return answer(reply.status ?? 500, 'internal_error');
        case 'invalid_blocks':
          return answer(400, 'invalid_blocks');
        case 'status':
          return answer(reply.status, reply.body);
        case 'hang': {
          hanging.add(res);
          notify();
          if (reply.hangMs !== undefined) {
            setTimeout(() => {
              hanging.delete(res);
              res.socket?.destroy();
            }, reply.hangMs).unref();
          }
          return;
        }
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    webhookUrl: (token = 'XXXXXXXXXXXXXXXXXXXXXXXX') => `${origin}/services/T000/B000/${token}`,
    requests,
    delivered: () => requests.filter((r) => r.status === 200),
    script: (...replies) => {
      scripted.push(...replies);
    },
    setDefault: (reply) => {
      fallback = reply;
    },
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(requests)) {
            cleanup();
            resolve();
          }
        };
        const interval = setInterval(check, 20);
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`slack stand-in: condition not met within ${timeoutMs} ms (${requests.length} requests received)`));
        }, timeoutMs);
        const cleanup = () => {
          clearInterval(interval);
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const res of hanging) res.socket?.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
