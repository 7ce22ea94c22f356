import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Behaviour of {@link startFlakyRpc}; rates are probabilities per request (deterministic PRNG). */
export interface FlakyOptions {
  /** The real node behind the proxy. */
  target: string;
  /** `eth_getLogs` spanning more blocks than this is refused like a provider does. */
  maxRange?: number;
  /** Answer 429 with `Retry-After: 0`. */
  rate429?: number;
  /** Answer 500 / 502. */
  rate5xx?: number;
  /** Answer truncated JSON. */
  rateGarbage?: number;
  /** Wait this long before answering (a slow provider). */
  delayMs?: number;
  /**
   * Rewrites the result of the `call`-th (0-based) successful `eth_getLogs` answer, like a
   * load-balanced provider whose backends lag and answer a range with logs missing.
   */
  mutateLogs?: (logs: Array<Record<string, unknown>>, call: number) => Array<Record<string, unknown>>;
  /** The first n `eth_getLogs` requests starting at each `fromBlock` are answered HTTP 503 (deterministic). */
  failFirstGetLogs?: number;
  seed?: number;
}

/** A proxy that misbehaves like public RPC providers do; counts what it did. */
export interface FlakyRpc {
  url: string;
  counts: {
    requests: number;
    refusedRange: number;
    tooMany: number;
    serverErrors: number;
    garbage: number;
    /** eth_getLogs requests answered. */
    getLogs: number;
    /** Logs removed by `mutateLogs`. */
    dropped: number;
  };
  /** Change behaviour on the fly (e.g. go down, come back). */
  set(options: Partial<FlakyOptions> & { down?: boolean }): void;
  stop(): Promise<void>;
}

/** Starts the misbehaving proxy on 127.0.0.1. */
export async function startFlakyRpc(options: FlakyOptions): Promise<FlakyRpc> {
  let o: FlakyOptions & { down?: boolean } = { ...options };
  let seed = options.seed ?? 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const counts = { requests: 0, refusedRange: 0, tooMany: 0, serverErrors: 0, garbage: 0, getLogs: 0, dropped: 0 };
  const getLogsFrom = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    counts.requests++;
    if (o.down) {
      res.destroy();
      return;
    }
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    let parsed: { id?: unknown; method?: string; params?: Array<{ fromBlock?: string; toBlock?: string }> } = {};
    try {
      parsed = JSON.parse(body);
    } catch {}
    if (o.failFirstGetLogs && parsed.method === 'eth_getLogs') {
      const from = String(parsed.params?.[0]?.fromBlock);
      const seen = getLogsFrom.get(from) ?? 0;
      getLogsFrom.set(from, seen + 1);
      if (seen < o.failFirstGetLogs) {
        counts.serverErrors++;
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html><body>Service Unavailable</body></html>');
        return;
      }
    }
    if (o.rate429 && rand() < o.rate429) {
      counts.tooMany++;
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: parsed.id ?? null, error: { code: 429, message: 'Too Many Requests' } }));
      return;
    }
    if (o.rate5xx && rand() < o.rate5xx) {
      counts.serverErrors++;
      res.writeHead(rand() < 0.5 ? 500 : 502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
      return;
    }
    if (o.rateGarbage && rand() < o.rateGarbage) {
      counts.garbage++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":1,"result":[{"addr');
      return;
    }
    if (parsed.method === 'eth_getLogs' && o.maxRange !== undefined) {
      const f = parsed.params?.[0];
      const span = Number(BigInt(f?.toBlock ?? '0x0')) - Number(BigInt(f?.fromBlock ?? '0x0')) + 1;
      if (span > o.maxRange) {
        counts.refusedRange++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: parsed.id,
            error: { code: -32005, message: `query exceeds max block range ${o.maxRange}` },
          }),
        );
        return;
      }
    }
    const upstream = await fetch(o.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    let text = await upstream.text();
    if (parsed.method === 'eth_getLogs') {
      const call = counts.getLogs++;
      const answer = JSON.parse(text) as { result?: unknown };
      if (o.mutateLogs && Array.isArray(answer.result)) {
        const result = o.mutateLogs(answer.result as Array<Record<string, unknown>>, call);
        counts.dropped += Math.max(0, answer.result.length - result.length);
        text = JSON.stringify({ ...answer, result });
      }
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    set(next) {
      o = { ...o, ...next };
    },
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
