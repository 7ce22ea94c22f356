// A ClickHouse server for multi-process tests: the real ClickHouse engine (chDB, one data folder)
// behind the subset of ClickHouse's HTTP interface that @clickhouse/client speaks. No ClickHouse
// server binary exists on these machines (Debian ships 18.16, too old for the schema) and chDB
// admits one process per data folder, so processes that must share one store (detect replicas
// sharing the partitions) reach it through this process, as they would reach a server.
//
//   node --import tsx test/helpers/clickhouse-http-server.ts <dataDir> [port]
//
// prints `listening <port>` once it accepts requests. The protocol, as the client uses it:
// - `GET /ping` → `Ok.`
// - `POST /?<settings>&param_<name>=<text>` with the SQL in the body (queries and commands; the
//   client appends `FORMAT <fmt>` to queries), or with `query=INSERT … FORMAT <fmt>` in the URL
//   and the rows in the body (inserts);
// - parameters are bound by the engine from their text form, as a server binds `param_*`;
// - an error answers 500 with ClickHouse's own message (`Code: N. DB::Exception: …`), which
//   the client turns into its error. Settings in the URL are ignored (mixwatch puts `readonly=1`
//   of analysts' queries in the SQL's SETTINGS, which the engine applies). Every query runs in
//   one chDB session with `date_time_input_format = best_effort`, the setting every mixwatch
//   client sends.

import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { Session } from 'chdb';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: clickhouse-http-server.ts <dataDir> [port]');
  process.exit(2);
}
const path = resolve(dataDir, 'chdb');
mkdirSync(path, { recursive: true });
const session = new Session(path);
await session.queryAsync("SET date_time_input_format = 'best_effort'");

async function body(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

const server = createServer((req, res) => {
  (async () => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n');
      return;
    }
    const data = await body(req);
    const inUrl = url.searchParams.get('query');
    const sql = inUrl ? (data ? `${inUrl}\n${data}` : inUrl) : data;
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (k.startsWith('param_')) params[k.slice(6)] = v;
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    const result = Object.keys(params).length
      ? await session.queryBindAsync(sql, params, { format })
      : await session.queryAsync(sql, { format });
    const summary = JSON.stringify({ read_rows: String(result.rowsRead), read_bytes: String(result.bytesRead), written_rows: '0' });
    res.writeHead(200, {
      'content-type': 'text/plain; charset=UTF-8',
      'x-clickhouse-query-id': url.searchParams.get('query_id') ?? '',
      'x-clickhouse-summary': summary,
    });
    res.end(Buffer.from(result.bytes()));
  })().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const code = /Code: (\d+)/.exec(message)?.[1] ?? '1002';
    if (!res.headersSent) res.writeHead(500, { 'x-clickhouse-exception-code': code, 'content-type': 'text/plain' });
    res.end(message.startsWith('Code:') ? `${message}\n` : `Code: ${code}. DB::Exception: ${message}\n`);
  });
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
const stop = () => {
  server.close();
  session.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
