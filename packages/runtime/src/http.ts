import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Common } from '@mixwatch/core';
import type { Store, TextFormat } from '@mixwatch/store';
import type { RoleHandle } from './role.ts';

/** Options of {@link startHttpServer}. */
export interface HttpServerParameters {
  common: Common;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Required for `/query` when `host` is not loopback. */
  token?: string | undefined;
  roles: () => RoleHandle[];
  /** Enables the local query route (`POST /query`) over this store. */
  store?: Store;
  /** Extra routes (e.g. the backfill control route of the daemon). */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => Promise<void>>;
}

const FORMATS: Record<string, TextFormat> = {
  table: 'PrettyCompactMonoBlock',
  JSONEachRow: 'JSONEachRow',
  CSV: 'CSVWithNames',
  TSV: 'TabSeparatedWithNames',
  JSON: 'JSON',
};

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The daemon's HTTP endpoint (default 127.0.0.1:9464): `GET /metrics` (Prometheus; `?name=m`
 * repeatable: only those metrics),
 * `GET /healthz` (the process is alive), `GET /readyz` (every role says it is ready; 503 with
 * the reasons otherwise), and `POST /query` `{query, format}` — the route `mixwatch sql` uses
 * while the daemon holds the embedded store. Queries run with `readonly=1` and `final=1`; the
 * route needs `Authorization: Bearer <token>` when a token is configured, and refuses to open
 * beyond loopback without one.
 */
export async function startHttpServer(parameters: HttpServerParameters): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { common, host, token } = parameters;
  const queryEnabled = parameters.store !== undefined && (isLoopback(host) || !!token);
  if (parameters.store && !queryEnabled) {
    common.logger.warn({ host }, 'query route disabled: http.host is not loopback and http.token is not set');
  }
  const authorized = (req: IncomingMessage) => {
    if (!token) return true;
    const got = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(`Bearer ${token}`);
    return got.length === want.length && timingSafeEqual(got, want);
  };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/metrics') {
        // `?name=<metric>` (repeatable): only those metrics, for scripts that poll one number
        // often (rendering every metric costs milliseconds); Prometheus sends no parameter.
        const names = url.searchParams.getAll('name');
        const registry = common.metrics.registry;
        const body = names.length
          ? (await Promise.all(names.filter((n) => registry.getSingleMetric(n)).map((n) => registry.getSingleMetricAsString(n)))).join('\n')
          : await registry.metrics();
        send(res, 200, body, registry.contentType);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/healthz') {
        send(res, 200, 'ok\n');
        return;
      }
      if (req.method === 'GET' && url.pathname === '/readyz') {
        const states = parameters.roles().map((r) => ({ role: r.name, ...r.health() }));
        const ready = states.length > 0 && states.every((s) => s.ready);
        send(res, ready ? 200 : 503, `${JSON.stringify({ ready, roles: states })}\n`, 'application/json');
        return;
      }
      if (req.method === 'POST' && url.pathname === '/query' && queryEnabled && parameters.store) {
        if (!authorized(req)) {
          send(res, 401, 'missing or wrong bearer token\n');
          return;
        }
        const body = JSON.parse(await readBody(req)) as { query?: string; format?: string };
        if (typeof body.query !== 'string' || !body.query.trim()) {
          send(res, 400, 'body must be {"query": "...", "format": "table|JSONEachRow|CSV|TSV|JSON"}\n');
          return;
        }
        const format = FORMATS[body.format ?? 'table'];
        if (!format) {
          send(res, 400, `unknown format ${body.format}; use one of ${Object.keys(FORMATS).join(', ')}\n`);
          return;
        }
        try {
          const text = await parameters.store.analystQuery(body.query, format);
          send(res, 200, text);
        } catch (error) {
          send(res, 400, `${error instanceof Error ? error.message : String(error)}\n`);
        }
        return;
      }
      const route = parameters.routes?.[`${req.method} ${url.pathname}`];
      if (route) {
        if (!authorized(req)) {
          send(res, 401, 'missing or wrong bearer token\n');
          return;
        }
        await route(req, res, req.method === 'POST' ? await readBody(req) : '');
        return;
      }
      send(res, 404, 'not found\n');
    } catch (error) {
      common.logger.error({ err: String(error) }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parameters.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { FORMATS as QUERY_FORMATS };
