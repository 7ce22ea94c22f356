import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** A shared ClickHouse store for several processes: {@link file://./clickhouse-http-server.ts} in a child process. */
export interface ClickHouseHttp {
  /** `http://127.0.0.1:<port>`: give it as `MIXWATCH_CLICKHOUSE_URL`. */
  url: string;
  /** Runs `sql` and returns its rows (JSONEachRow). */
  query<T = Record<string, string>>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** Starts the HTTP front of chDB on a free port of 127.0.0.1, with its data in `dataDir`. */
export async function startClickHouseHttp(dataDir: string): Promise<ClickHouseHttp> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(here, 'clickhouse-http-server.ts'), dataDir, '0'], {
    cwd: join(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ClickHouse HTTP front did not start: ${output.slice(-2000)}`)), 60_000);
    child.stdout?.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ClickHouse HTTP front exited (${code}): ${output.slice(-2000)}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async query<T>(sql: string): Promise<T[]> {
      const res = await fetch(`${url}/`, { method: 'POST', body: `${sql}\nFORMAT JSONEachRow`, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`query: ${res.status} ${text.slice(0, 300)}`);
      return text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as T);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
