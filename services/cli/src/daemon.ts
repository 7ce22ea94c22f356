import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bus } from '@mixwatch/bus';
import type { Config } from '@mixwatch/config';
import { type Common, describeError, FatalError } from '@mixwatch/core';
import { type BackfillProgress, runBackfill } from '@mixwatch/ingest';
import {
  createBusFromConfig,
  createStoreFromConfig,
  ROLES,
  type RoleContext,
  type RoleHandle,
  type RoleName,
  type StartRole,
  startHttpServer,
} from '@mixwatch/runtime';
import type { Store } from '@mixwatch/store';

// The CLI is the composition root: the one place that imports every role to start them.
const STARTERS: Record<RoleName, () => Promise<StartRole>> = {
  ingest: async () => (await import('@mixwatch/ingest')).startIngest,
  sink: async () => (await import('@mixwatch/sink')).startSink,
  detect: async () => (await import('@mixwatch/detect')).startDetect,
  notify: async () => (await import('@mixwatch/notify')).startNotify,
};

/** Consumers first, so nothing ingest publishes waits for a subscriber; ingest last. */
const START_ORDER: RoleName[] = ['sink', 'detect', 'notify', 'ingest'];

/** What `daemon.json` in the data folder records, so `mixwatch sql` and `backfill` can reach a running daemon. */
export interface DaemonInfo {
  pid: number;
  host: string;
  port: number;
  token: string;
  startedAt: number;
}

/** Options of {@link runDaemon}. */
export interface RunDaemonParameters {
  config: Config;
  common: Common;
  /** Default: all four. */
  roles?: RoleName[];
  /** Allow a subset of roles on the embedded bus (the CLI's own jobs, e.g. a backfill that only needs the sink). */
  partial?: boolean;
}

/** A running daemon. */
export interface Daemon {
  ctx: RoleContext;
  roles: RoleHandle[];
  port: number;
  /** Graceful stop: ingest first, then the bus drains into sink/detect/notify, then the store closes. */
  stop(): Promise<void>;
}

/** Path of the daemon file for a data folder. */
export function daemonInfoPath(dataDir: string): string {
  return join(resolve(dataDir), 'daemon.json');
}

/** The running daemon of a data folder, if its process is alive. */
export function readDaemonInfo(dataDir: string): DaemonInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(daemonInfoPath(dataDir), 'utf8')) as DaemonInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

/** Parses `--roles ingest,sink`. */
export function parseRoles(value: string | undefined): RoleName[] {
  if (!value) return [...ROLES];
  const roles = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const r of roles)
    if (!(ROLES as readonly string[]).includes(r)) throw new FatalError(`--roles: unknown role ${r} (roles: ${ROLES.join(', ')})`);
  return roles as RoleName[];
}

/**
 * Starts the daemon: store (migrations applied), bus, the requested roles, and the HTTP
 * endpoint (/metrics, /healthz, /readyz, the local query and backfill routes).
 */
export async function runDaemon(parameters: RunDaemonParameters): Promise<Daemon> {
  const { config, common } = parameters;
  const wanted = parameters.roles ?? [...ROLES];
  if (
    config.bus.kafka === undefined &&
    !parameters.partial &&
    !wanted.includes('sink') &&
    (wanted.includes('ingest') || wanted.includes('detect'))
  ) {
    throw new FatalError(
      `--roles ${wanted.join(',')}: with the embedded bus every role runs in this process, so what ingest or detect publish needs the sink here too; add sink, or set MIXWATCH_KAFKA_BROKERS to split roles across processes`,
    );
  }
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const store: Store = await createStoreFromConfig(config, common);
  await store.migrate();
  const bus: Bus = await createBusFromConfig(config, common);
  const ctx: RoleContext = { config, common, bus, store };
  const roles: RoleHandle[] = [];
  const token = config.http.token ?? randomBytes(16).toString('hex');
  const jobs = new Map<string, BackfillProgress & { error?: string }>();
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  try {
    for (const name of START_ORDER.filter((r) => wanted.includes(r))) {
      const start = await STARTERS[name]();
      roles.push(await start(ctx));
      common.logger.info({ role: name }, 'role started');
    }
    http = await startHttpServer({
      common,
      host: config.http.host,
      port: config.http.port,
      token,
      roles: () => {
        const health = (bus as { health?: () => { ready: boolean; detail?: string } }).health;
        return health ? [...roles, { name: `bus:${bus.kind}` as RoleName, health: () => health.call(bus), stop: async () => {} }] : roles;
      },
      store,
      routes: {
        'POST /backfill': async (_req, res, body) => {
          const p = JSON.parse(body) as { chain: string; from: number; to?: number };
          const id = `${p.chain}:${p.from}-${p.to ?? 'head'}:${Date.now()}`;
          jobs.set(id, {
            chain: p.chain,
            from: p.from,
            to: p.to ?? 0,
            published: 0,
            durable: 0,
            flows: 0,
            deadLetters: 0,
            startedAt: Date.now(),
            done: false,
          });
          runBackfill({ ctx, chain: p.chain, from: p.from, to: p.to, onProgress: (pr) => jobs.set(id, pr) }).catch((error) => {
            const j = jobs.get(id)!;
            jobs.set(id, { ...j, done: true, error: describeError(error) });
          });
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id }));
        },
        'GET /backfill': async (req, res) => {
          const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
          const job = jobs.get(id);
          res.writeHead(job ? 200 : 404, { 'content-type': 'application/json' });
          res.end(JSON.stringify(job ?? { error: `no backfill job ${id}` }));
        },
      },
    });
  } catch (error) {
    for (const r of roles.reverse()) await r.stop().catch(() => {});
    await bus.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  const infoPath = daemonInfoPath(config.dataDir);
  if (store.kind === 'chdb') {
    const info: DaemonInfo = { pid: process.pid, host: config.http.host, port: http.port, token, startedAt: Date.now() };
    writeFileSync(infoPath, JSON.stringify(info), { mode: 0o600 });
  }
  common.logger.info({ port: http.port, host: config.http.host, roles: wanted, store: store.kind, bus: bus.kind }, 'mixwatch running');
  if (wanted.includes('ingest') && !`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.includes('--max-semi-space-size'))
    common.logger.info(
      'node runs without --max-semi-space-size=64: decoding is about 2x slower (npm start, the mixwatch bin and the container set it; docs/benchmarks.md)',
    );
  let stopping: Promise<void> | undefined;
  return {
    ctx,
    roles,
    port: http.port,
    stop() {
      stopping ??= (async () => {
        const ingest = roles.find((r) => r.name === 'ingest');
        if (ingest) await ingest.stop();
        await bus.close();
        for (const r of roles) if (r.name !== 'ingest') await r.stop();
        await http?.close();
        await store.close();
        if (store.kind === 'chdb') rmSync(infoPath, { force: true });
        common.logger.info('mixwatch stopped');
      })();
      return stopping;
    },
  };
}
