import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { BlockRef, Common } from '@mixwatch/core';
import { FatalError, RetryableError, redactUrl, sqlString, withRetry } from '@mixwatch/core';
import { clickhouseMigrations } from '@mixwatch/schemas';
import { encodeRowBinary, type RowBinaryColumn, rowBinaryColumnOf } from './rowbinary.ts';
import { chTime } from './rows.ts';

/** Where a chain (or a backfill job) has got to; written only after its flows are durable. */
export interface Cursor {
  cursor_key: string;
  chain: string;
  chain_id: number;
  block: number;
  hash: string;
  /** Unix seconds. */
  block_time: number;
}

/** Options of {@link createStore}. */
export interface CreateStoreParameters {
  common: Common;
  /** ClickHouse server HTTP URL; unset = embedded chDB in `dataDir/chdb`. */
  url?: string | undefined;
  username?: string;
  password?: string;
  dataDir: string;
}

/** Output formats `queryText` accepts (the `mixwatch sql --format` choices, plus ClickHouse's own). */
export type TextFormat = 'JSONEachRow' | 'CSV' | 'CSVWithNames' | 'TSV' | 'TabSeparatedWithNames' | 'PrettyCompactMonoBlock' | 'JSON';

/**
 * The store: one `@clickhouse/client` over either an in-process chDB connection
 * (`chdb/connection`, data in `dataDir/chdb`) or a ClickHouse server over HTTP. The same SQL
 * runs on both; nothing outside this factory knows which.
 */
export interface Store {
  readonly kind: 'chdb' | 'http';
  readonly client: ClickHouseClient;
  /** Applies pending `schemas/clickhouse` migrations (recorded in `mixwatch.schema_migrations`). */
  migrate(): Promise<number>;
  /** Inserts rows (JSONEachRow), retrying retryable failures; `dedupToken` makes a retried insert a no-op. */
  insert(table: string, rows: Record<string, unknown>[], options?: { dedupToken?: string }): Promise<void>;
  /**
   * Runs a SELECT with query parameters and returns the rows. No per-query settings: over
   * `chdb/connection` they persist in the session (a quirk seen with chdb 3.4) — put them in a
   * `SETTINGS` clause of the SQL, which is scoped to the query on both back ends.
   */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Runs a query and returns the server's text in `format`. */
  queryText(sql: string, format: TextFormat, params?: Record<string, unknown>): Promise<string>;
  /**
   * Analysts' SQL (`mixwatch sql`, the query route): one SELECT/WITH/SHOW/DESCRIBE/EXPLAIN/EXISTS
   * statement, run read-only (`readonly=1`) with `final=1` so every flow and alert appears once.
   * Throws FatalError for anything else.
   */
  analystQuery(sql: string, format: TextFormat): Promise<string>;
  /** Runs a statement with no result set. */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  getCursor(cursorKey: string): Promise<Cursor | undefined>;
  saveCursor(cursor: Cursor): Promise<void>;
  saveBlocks(chainId: number, blocks: BlockRef[]): Promise<void>;
  /** Known block hashes of a chain at or below `upTo`, newest first. */
  recentBlocks(chainId: number, upTo: number, limit: number): Promise<BlockRef[]>;
  /** Removes flows and known blocks of a chain above `afterBlock` (reorg retraction). */
  retractAfter(chainId: number, afterBlock: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Wraps analysts' SQL so that it runs read-only with FINAL, scoped to this query:
 * `SELECT * FROM (<sql>) SETTINGS final=1, readonly=1` for SELECT/WITH; SHOW, DESCRIBE, EXPLAIN
 * and EXISTS are read-only by grammar. One statement only (a trailing `;` is dropped).
 */
export function readOnlySql(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, '');
  const stripped = text
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '');
  if (stripped.includes(';')) throw new FatalError('one statement at a time, please (found `;` inside the query)');
  const first = /^\s*(\w+)/.exec(stripped)?.[1]?.toUpperCase();
  if (first === 'SELECT' || first === 'WITH' || first === '(') return `SELECT * FROM (${text}\n) SETTINGS final = 1, readonly = 1`;
  if (first && ['SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS'].includes(first)) return text;
  throw new FatalError(
    `only read queries are allowed here (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS), not ${first ?? 'an empty query'}; use --format instead of a FORMAT clause`,
  );
}

/** Which store errors are worth retrying: network trouble and server overload, not SQL errors. */
export function shouldRetryStore(error: unknown): boolean {
  const e = error as { code?: string; message?: string; type?: string };
  const code = String(e?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code)) return true;
  const msg = String(e?.message ?? '');
  // ClickHouse: TOO_MANY_PARTS 252, TIMEOUT_EXCEEDED 159, TOO_MANY_SIMULTANEOUS_QUERIES 202, NETWORK_ERROR 210, SOCKET_TIMEOUT 209, MEMORY_LIMIT 241
  // (chDB's raw insert throws code CHDB_INSERT with the engine's `Code: N.` in the message).
  const engineCode = /^Code: (\d+)\./.exec(msg)?.[1] ?? code;
  if (['252', '159', '202', '210', '209', '241', '242', '999'].includes(engineCode)) return true;
  return /timeout|socket hang up|ECONNREFUSED|ECONNRESET|Service Unavailable|502|503|504/i.test(msg);
}

const TSV_SPECIAL = /[\\\t\n\r]/;
const TSV_SPECIAL_ALL = /[\\\t\n\r]/g;
const TSV_ESCAPE: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * How a number is written for a column in TabSeparated, by the column's type: `datetime`
 * (DateTime: unix seconds become an ISO instant — TSV reads a bare number as digits of a date,
 * "86400" fails and "5" is not 1970-01-01 00:00:05), `json-only` (DateTime64, Date: a number
 * there keeps the JSON reading, so the row goes as JSON), `plain` (everything else).
 */
export type TsvColumnKind = 'plain' | 'datetime' | 'json-only';

const WRAPPED_TYPE = /^(?:Nullable|LowCardinality)\((.*)\)$/;

/** The {@link TsvColumnKind} of a ClickHouse column type (`Nullable(…)`/`LowCardinality(…)` unwrapped). */
export function tsvKindOf(type: string): TsvColumnKind {
  let t = type;
  for (let m = WRAPPED_TYPE.exec(t); m; m = WRAPPED_TYPE.exec(t)) t = m[1]!;
  if (t.startsWith('DateTime64') || t.startsWith('Date32') || t === 'Date') return 'json-only';
  if (t.startsWith('DateTime')) return 'datetime';
  return 'plain';
}

/**
 * The rows as TabSeparated text (ClickHouse's escaping: backslash, tab, newline, carriage return
 * written as `\\`, `\t`, `\n`, `\r`; a missing value as `\N`, read as the column default), or
 * undefined when a value cannot be written so that it reads back as JSON would read it: not a
 * string, finite number or bigint (booleans, objects, NaN), or a number for a column whose
 * `kinds` entry is `json-only` or a non-integer/negative number for a `datetime` column. The
 * caller then uses JSON. `kinds` (same order as `columns`, default all `plain`) comes from the
 * table's column types ({@link tsvKindOf}). About 30 % less encoding CPU than JSON per row
 * (docs/benchmarks.md) for the same engine work.
 */
export function encodeTsv(rows: Record<string, unknown>[], columns: string[], kinds?: TsvColumnKind[]): Buffer | undefined {
  const lines: string[] = new Array(rows.length);
  const cells: string[] = new Array(columns.length);
  // Rows of one block share their time: the last formatted instant is reused.
  let lastTime = -1;
  let lastText = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let c = 0; c < columns.length; c++) {
      const x = row[columns[c]!];
      if (typeof x === 'string') cells[c] = TSV_SPECIAL.test(x) ? x.replace(TSV_SPECIAL_ALL, (m) => TSV_ESCAPE[m]!) : x;
      else if (typeof x === 'number' || typeof x === 'bigint') {
        const kind = kinds?.[c] ?? 'plain';
        if (kind === 'plain') {
          if (typeof x === 'number' && !Number.isFinite(x)) return undefined;
          cells[c] = String(x);
        } else if (kind === 'datetime' && typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x < 4_294_967_296) {
          if (x !== lastTime) {
            lastTime = x;
            lastText = `${new Date(x * 1000).toISOString().slice(0, 19)}Z`;
          }
          cells[c] = lastText;
        } else return undefined;
      } else if (x === null || x === undefined) cells[c] = '\\N';
      else return undefined;
    }
    lines[i] = cells.join('\t');
  }
  lines.push('');
  return Buffer.from(lines.join('\n'));
}

/** The rows as JSONCompactEachRow (one JSON array per row, values in `columns` order; a missing value is null). */
function encodeJsonCompact(rows: Record<string, unknown>[], columns: string[]): Buffer {
  let body = '';
  const values: unknown[] = new Array(columns.length);
  for (const row of rows) {
    for (let c = 0; c < columns.length; c++) values[c] = row[columns[c]!];
    body += `${JSON.stringify(values)}\n`;
  }
  return Buffer.from(body);
}

/** Every key of the rows, in first-seen order (rows of one table usually share one shape). */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  const first = Object.keys(rows[0] ?? {});
  let seen: Set<string> | undefined;
  for (let i = 1; i < rows.length; i++) {
    // for…in walks the shape's cached key list; Object.keys would copy it for every row.
    let j = 0;
    let same = true;
    for (const k in rows[i]) {
      if (k !== first[j++]) {
        same = false;
        break;
      }
    }
    if (same && j === first.length) continue;
    seen ??= new Set(first);
    for (const k of Object.keys(rows[i]!)) seen.add(k);
  }
  return seen ? [...seen] : first;
}

/** Builds the store for the configuration: chDB when `url` is unset, HTTP otherwise. */
export async function createStore(parameters: CreateStoreParameters): Promise<Store> {
  const { common } = parameters;
  let client: ClickHouseClient;
  let kind: 'chdb' | 'http';
  /** chDB's raw insert (payload bytes handed to the engine's parallel parser), embedded mode only. */
  let rawInsert:
    | ((params: {
        table: string;
        columns: string[];
        values: Buffer;
        format: 'JSONCompactEachRow' | 'TabSeparated';
        settings: Record<string, string | number>;
      }) => Promise<unknown>)
    | undefined;
  /** chDB's query, for RowBinary inserts read from a file (embedded mode only). */
  let chdbQuery: ((sql: string) => Promise<unknown>) | undefined;
  let insertDir = '';
  if (parameters.url) {
    kind = 'http';
    client = createClient({
      url: parameters.url,
      username: parameters.username ?? 'default',
      password: parameters.password ?? '',
      request_timeout: 60_000,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  } else {
    kind = 'chdb';
    const path = resolve(parameters.dataDir, 'chdb');
    mkdirSync(path, { recursive: true });
    const { createChdbConnection } = await import('chdb/connection');
    try {
      const connection = createChdbConnection({ path });
      rawInsert = (params) => connection.chdb.rawInsert(params);
      chdbQuery = (sql) => connection.chdb.queryAsync(sql);
      insertDir = resolve(parameters.dataDir, 'chdb-insert');
      rmSync(insertDir, { recursive: true, force: true });
      mkdirSync(insertDir, { recursive: true });
      client = createClient({
        connection: connection as never,
        clickhouse_settings: { date_time_input_format: 'best_effort' },
      });
    } catch (cause) {
      throw new FatalError(`cannot open the embedded store at ${path}: is another mixwatch process using this data folder?`, { cause });
    }
  }
  const where = kind === 'http' ? redactUrl(parameters.url ?? '') : 'embedded chDB';

  const retry = <T>(op: string, fn: () => Promise<T>) =>
    withRetry(fn, {
      attempts: 8,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      shouldRetry: (e) => shouldRetryStore(e),
      // No shutdown signal here: the final flushes of a graceful stop must still write.
      // Attempts and delays are bounded (8 attempts, ≤ 10 s each), so shutdown cannot hang.
      onRetry: (error, attempt, delay) => {
        common.metrics.storeErrors.inc({ op });
        common.logger.warn(
          { op, attempt, delay_ms: Math.round(delay), err: String((error as Error)?.message ?? error) },
          `store ${where} failed; retrying`,
        );
      },
    }).catch((error) => {
      common.metrics.storeErrors.inc({ op });
      if (shouldRetryStore(error)) throw new RetryableError(`store ${where}: ${op} failed`, { cause: error });
      throw error;
    });

  /** Column name -> type of a table, read once per table from system.columns (the TSV encoding needs it). */
  const typeCache = new Map<string, Map<string, string>>();
  const columnTypes = async (target: string): Promise<Map<string, string>> => {
    const known = typeCache.get(target);
    if (known) return known;
    const [database, table] = target.split('.');
    const rs = await retry('describe', async () => {
      const r = await client.query({
        query: 'SELECT name, type FROM system.columns WHERE database = {d:String} AND table = {t:String}',
        format: 'JSONEachRow',
        query_params: { d: database, t: table },
      });
      return (await r.json()) as Array<{ name: string; type: string }>;
    });
    const types = new Map(rs.map((r) => [r.name, r.type]));
    if (types.size > 0) typeCache.set(target, types);
    return types;
  };

  /**
   * Whether the engine has `materialize_skip_indexes_on_insert` (chDB 26.7 has it; a server
   * without it builds the indexes at insert as before), read once. Inserts then leave the flows
   * table's bloom-filter indexes to the merges, which build them again anyway: building them at
   * insert time as well was a third of chDB's insert CPU (docs/benchmarks.md). Only the newest,
   * not yet merged parts lack them, and a part without an index is read whole: the same rows, a
   * little more to read.
   */
  let lazyIndexes: Promise<boolean> | undefined;
  const lazySkipIndexes = () =>
    (lazyIndexes ??= (async () => {
      const r = await client.query({
        query: "SELECT count() AS n FROM system.settings WHERE name = 'materialize_skip_indexes_on_insert'",
        format: 'JSONEachRow',
      });
      const [row] = (await r.json()) as Array<{ n: string | number }>;
      return Number(row?.n) > 0;
    })().catch(() => {
      lazyIndexes = undefined; // asked again at the next insert
      return false;
    }));

  /**
   * RowBinary insert files, reused: one is rewritten in place (then cut to length) instead of
   * being created and unlinked per insert, which made the kernel free and allocate its pages
   * again each time (measured: 0.7 vs 1.7–2.4 ms per 8 MB written). A file is busy from its
   * write until its insert and the insert's retries ended, so concurrent inserts use different
   * files.
   */
  const insertFiles: Array<{ path: string; fd: number }> = [];
  let insertSeq = 0;
  const takeInsertFile = () => {
    const free = insertFiles.pop();
    if (free) return free;
    const path = resolve(insertDir, `${process.pid}-${++insertSeq}.bin`);
    return { path, fd: openSync(path, 'w') };
  };
  const writeInsertFile = (file: { path: string; fd: number }, data: Buffer) => {
    let done = 0;
    while (done < data.length) done += writeSync(file.fd, data, done, data.length - done, done);
    ftruncateSync(file.fd, data.length);
  };
  /** RowBinary columns of the insert when every column has a simple binary form ({@link rowBinaryColumnOf}). */
  const binaryCache = new Map<string, RowBinaryColumn[] | null>();
  const rowBinaryColumns = (target: string, columns: string[], types: Map<string, string>) => {
    const key = `${target}:${columns.join(',')}`;
    let known = binaryCache.get(key);
    if (known === undefined) {
      const out = columns.map((c) => rowBinaryColumnOf(types.get(c) ?? ''));
      known = out.every((x) => x !== undefined) ? (out as RowBinaryColumn[]) : null;
      binaryCache.set(key, known);
    }
    return known ?? undefined;
  };

  const store: Store = {
    kind,
    client,
    async migrate() {
      await client.command({ query: 'CREATE DATABASE IF NOT EXISTS mixwatch' });
      await client.command({
        query:
          'CREATE TABLE IF NOT EXISTS mixwatch.schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version',
      });
      const done = new Set(
        (await store.query<{ version: number }>('SELECT version FROM mixwatch.schema_migrations')).map((r) => Number(r.version)),
      );
      let applied = 0;
      for (const m of clickhouseMigrations()) {
        if (done.has(m.version)) continue;
        for (const statement of m.statements) {
          try {
            await client.command({ query: statement });
          } catch (cause) {
            throw new FatalError(`migration ${m.name} failed on: ${statement.slice(0, 120)}…`, { cause });
          }
        }
        await client.insert({ table: 'mixwatch.schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
        common.logger.info({ migration: m.name }, 'applied migration');
        applied++;
      }
      return applied;
    },
    async insert(table, rows, options = {}) {
      if (rows.length === 0) return;
      const started = performance.now();
      const target = table.includes('.') ? table : `mixwatch.${table}`;
      let write: () => Promise<unknown>;
      let cleanup: (() => void) | undefined;
      const lazy = await lazySkipIndexes();
      if (rawInsert) {
        // Embedded: one payload handed to chDB as bytes, columns named once. clickhouse-js over
        // chdb/connection would stream JSONEachRow into a string spliced into the SQL text; this is
        // about a third of the CPU per row (docs/benchmarks.md). RowBinary read from a file when
        // the table's types and the values allow (flows, cursors…; see encodeRowBinary), else
        // TabSeparated when every value reads back as JSON would read it (see encodeTsv), otherwise
        // JSONCompactEachRow. A column a row lacks is null/\N = the column default, as a missing
        // key would be in JSONEachRow (input_format_null_as_default). SETTINGS here are scoped to
        // the statement (client-level settings become session-wide SETs on chDB).
        const columns = columnsOf(rows);
        const types = await columnTypes(target);
        // RowBinary: chDB reads the rows from a file instead of parsing text (about a quarter of
        // the Kafka sink's CPU, docs/benchmarks.md). The file lives until the insert and its
        // retries ended.
        const binary = chdbQuery ? rowBinaryColumns(target, columns, types) : undefined;
        const encoded = binary ? encodeRowBinary(rows, columns, binary) : undefined;
        if (binary && encoded && chdbQuery) {
          const query = chdbQuery;
          const taken = takeInsertFile();
          try {
            writeInsertFile(taken, encoded);
          } catch (error) {
            // A file that failed to write (disk full…) is not reused.
            closeSync(taken.fd);
            rmSync(taken.path, { force: true });
            throw error;
          }
          cleanup = () => insertFiles.push(taken);
          const file = taken.path;
          const structure = columns.map((c, i) => `\`${c}\` ${binary[i]!.fileType}`).join(', ');
          const names = columns.map((c) => `\`${c}\``).join(', ');
          const sql = `INSERT INTO ${target} (${names}) SELECT * FROM file(${sqlString(file)}, 'RowBinary', ${sqlString(structure)})${lazy ? ' SETTINGS materialize_skip_indexes_on_insert = 0' : ''}`;
          write = () => query(sql);
        } else {
          const tsv = encodeTsv(
            rows,
            columns,
            columns.map((c) => tsvKindOf(types.get(c) ?? '')),
          );
          const values = tsv ?? encodeJsonCompact(rows, columns);
          const format = tsv ? 'TabSeparated' : 'JSONCompactEachRow';
          const insertRaw = rawInsert;
          write = () =>
            insertRaw({
              table: target,
              columns,
              values,
              format,
              settings: {
                date_time_input_format: 'best_effort',
                input_format_null_as_default: 1,
                ...(lazy ? { materialize_skip_indexes_on_insert: 0 } : {}),
              },
            });
        }
      } else {
        write = () =>
          client.insert({
            table: target,
            values: rows,
            format: 'JSONEachRow',
            // ReplacingMergeTree alone makes a replayed insert harmless; on a server the token also
            // drops a retried batch (a chDB session would keep it for later inserts: not used there).
            clickhouse_settings: {
              ...(options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {}),
              ...(lazy ? { materialize_skip_indexes_on_insert: 0 } : {}),
            },
          });
      }
      try {
        await retry(`insert ${table}`, write);
      } finally {
        cleanup?.();
      }
      common.metrics.storeInsertRows.inc({ table }, rows.length);
      common.metrics.storeInsertDuration.observe({ table }, (performance.now() - started) / 1000);
    },
    async query<T>(sql: string, params?: Record<string, unknown>) {
      return retry('query', async () => {
        const rs = await client.query({ query: sql, format: 'JSONEachRow', ...(params ? { query_params: params } : {}) });
        return (await rs.json()) as T[];
      });
    },
    async queryText(sql, format, params) {
      const rs = await client.query({ query: sql, format: format as 'JSONEachRow', ...(params ? { query_params: params } : {}) });
      return await rs.text();
    },
    async analystQuery(sql, format) {
      // A trailing `FORMAT X` clause wins over `format` (it cannot stay inside the read-only wrapper).
      const m = /\sFORMAT\s+([A-Za-z][A-Za-z0-9]*)\s*;?\s*$/i.exec(sql);
      return store.queryText(readOnlySql(m ? sql.slice(0, m.index) : sql), (m?.[1] ?? format) as TextFormat);
    },
    async command(sql, params) {
      await retry('command', () => client.command({ query: sql, ...(params ? { query_params: params } : {}) }));
    },
    async getCursor(cursorKey) {
      const rows = await store.query<Cursor>(
        'SELECT cursor_key, chain, chain_id, block, hash, toUnixTimestamp(block_time) AS block_time FROM mixwatch.cursors FINAL WHERE cursor_key = {k:String}',
        { k: cursorKey },
      );
      const r = rows[0];
      return r ? { ...r, chain_id: Number(r.chain_id), block: Number(r.block), block_time: Number(r.block_time) } : undefined;
    },
    async saveCursor(cursor) {
      await store.insert('cursors', [{ ...cursor, updated_at: chTime(Date.now()) }]);
    },
    async saveBlocks(chainId, blocks) {
      const now = chTime(Date.now());
      await store.insert(
        'blocks',
        blocks.map((b) => ({ chain_id: chainId, number: b.number, hash: b.hash, updated_at: now })),
      );
    },
    async recentBlocks(chainId, upTo, limit) {
      const rows = await store.query<{ number: string; hash: string }>(
        'SELECT number, hash FROM mixwatch.blocks FINAL WHERE chain_id = {c:UInt32} AND number <= {n:UInt64} ORDER BY number DESC LIMIT {l:UInt32}',
        { c: chainId, n: upTo, l: limit },
      );
      return rows.map((r) => ({ number: Number(r.number), hash: r.hash }));
    },
    async retractAfter(chainId, afterBlock) {
      const p = { c: chainId, n: afterBlock };
      await store.command('DELETE FROM mixwatch.flows WHERE chain_id = {c:UInt32} AND block_number > {n:UInt64}', p);
      await store.command('DELETE FROM mixwatch.blocks WHERE chain_id = {c:UInt32} AND number > {n:UInt64}', p);
    },
    async close() {
      for (const f of insertFiles.splice(0)) {
        closeSync(f.fd);
        rmSync(f.path, { force: true });
      }
      await client.close();
    },
  };
  return store;
}
