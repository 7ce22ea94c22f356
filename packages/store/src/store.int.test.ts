import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestCommon } from '@mixwatch/core';
import { encodeRowBinary, rowBinaryColumnOf } from './rowbinary.ts';
import { flowToRow } from './rows.ts';
import { createStore, encodeTsv, readOnlySql, shouldRetryStore, tsvKindOf } from './store.ts';

describe('store on chDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies migrations once, keeps cursors, and runs analysts’ SQL read-only with FINAL', async () => {
    const store = await createStore({ common: createTestCommon(), dataDir: dir });
    try {
      assert.ok((await store.migrate()) >= 1);
      assert.equal(await store.migrate(), 0, 'second run applies nothing');
      await store.saveCursor({ cursor_key: 'live:1', chain: 'ethereum', chain_id: 1, block: 10, hash: '0xa', block_time: 1 });
      await store.saveCursor({ cursor_key: 'live:1', chain: 'ethereum', chain_id: 1, block: 12, hash: '0xb', block_time: 2 });
      assert.equal((await store.getCursor('live:1'))?.block, 12);
      const row = {
        alert_id: 'a1',
        rule: 'peel_chain',
        severity: 'high',
        chain: 'ethereum',
        block_time: 1_700_000_000,
        tx_hash: '0x1',
        address: '0x2',
        service: 'x',
        amount: '5',
        title: 't',
        details: '{}',
        created_at: '2024-01-01T00:00:00Z',
      };
      await store.insert('alerts', [row]);
      await store.insert('alerts', [row]);
      assert.equal((await store.analystQuery('SELECT count() AS c FROM mixwatch.alerts', 'JSONEachRow')).trim(), '{"c":1}');
      assert.equal(await store.analystQuery('SELECT 1 AS a FORMAT Vertical', 'JSONEachRow'), 'Row 1:\n──────\na: 1\n');
      await assert.rejects(store.analystQuery("INSERT INTO mixwatch.alerts (alert_id) VALUES ('x')", 'JSONEachRow'), /only read queries/);
      await assert.rejects(store.analystQuery("SELECT * FROM file('/etc/passwd', 'LineAsString')", 'JSONEachRow'), /readonly/);
      // the session is not left read-only: writes still work
      await store.insert('alerts', [{ ...row, alert_id: 'a2' }]);
      assert.equal(Number((await store.query<{ c: string }>('SELECT count() AS c FROM mixwatch.alerts FINAL'))[0]!.c), 2);
    } finally {
      await store.close();
    }
  });

  it('writes flows through chDB raw insert: values round-trip, a bad row is a clear non-retryable error', async () => {
    const store = await createStore({ common: createTestCommon(), dataDir: dir });
    try {
      await store.migrate();
      const flow = {
        flow_id: '1:0xt:3:0',
        chain: 'ethereum',
        chain_id: 1,
        block_number: 18_000_000,
        block_time: 1_700_000_000,
        block_hash: '0xb',
        tx_hash: '0xt',
        log_index: 3,
        sub_index: 0,
        contract: '0xc',
        event: 'Deposit',
        service: 'tornado',
        category: 'mixer',
        action: 'deposit',
        from_address: '0xf',
        to_address: '0xc',
        tx_from: '0xf',
        token: 'native',
        token_symbol: 'ETH',
        amount: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
        decimals: 18,
        counterparty_chain: '',
        bridge_ref: '',
        extra: { note: 'quote " and newline \n and unicode ✓' },
      } as const;
      await store.insert('flows', [flowToRow(flow as never)]);
      const [got] = await store.query<Record<string, unknown>>(
        "SELECT flow_id, toString(amount) AS amount, block_time, extra FROM mixwatch.flows FINAL WHERE flow_id = '1:0xt:3:0'",
      );
      assert.deepEqual(
        { ...got, extra: JSON.parse(String(got?.extra)) },
        { flow_id: flow.flow_id, amount: flow.amount, block_time: '2023-11-14 22:13:20', extra: flow.extra },
      );
      // rows of different shapes in one insert: a missing column takes its default (as in JSONEachRow)
      await store.insert('cursors', [
        { cursor_key: 'shape:a', chain: 'c', chain_id: 7, block: 1, hash: '0xa', block_time: 1 },
        { cursor_key: 'shape:b', chain: 'c', block: 2, hash: '0xb', block_time: 2, updated_at: '2024-01-02T03:04:05Z' },
      ]);
      assert.deepEqual(
        await store.query(
          "SELECT cursor_key, chain_id, block, toUnixTimestamp64Micro(updated_at) = 0 AS epoch FROM mixwatch.cursors FINAL WHERE cursor_key LIKE 'shape:%' ORDER BY cursor_key",
        ),
        [
          { cursor_key: 'shape:a', chain_id: 7, block: 1, epoch: 1 },
          { cursor_key: 'shape:b', chain_id: 0, block: 2, epoch: 0 },
        ],
      );
      const error = await store.insert('cursors', [{ cursor_key: 'x', chain_id: 'not a number' }]).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      assert.match(String(error?.message), /Cannot parse input.*chain_id/s);
      assert.equal(shouldRetryStore(error), false);
    } finally {
      await store.close();
    }
  });

  it('flows go as RowBinary (every column but the defaulted one has a binary form): strings, integer bounds and UInt256 round-trip', async () => {
    const store = await createStore({ common: createTestCommon(), dataDir: dir });
    try {
      await store.migrate();
      const types = await store.query<{ name: string; type: string }>(
        "SELECT name, type FROM system.columns WHERE database = 'mixwatch' AND table = 'flows' ORDER BY position",
      );
      // A column type without a binary form would quietly send every flows insert back to text.
      assert.deepEqual(
        types.filter((c) => !rowBinaryColumnOf(c.type)).map((c) => c.name),
        ['ingested_at'],
      );
      const tricky = ['back\\slash \\N', 'tab\there', 'line\nbreak\r\n', 'quote \' " ✓ 𝄞', 'nul\u0000byte', 'é'.repeat(200)];
      const flows = tricky.map((t, i) => ({
        flow_id: `rb:${i}`,
        chain: t,
        chain_id: 0xffff_ffff - i,
        block_number: Number.MAX_SAFE_INTEGER - i,
        block_time: i === 0 ? 0 : 0xffff_fffe - i,
        block_hash: t,
        tx_hash: `0x${i}`,
        log_index: 0xffff_ffff,
        sub_index: 0xffff - i,
        contract: t,
        event: t,
        service: 'rb',
        category: t,
        action: t,
        from_address: t,
        to_address: t,
        tx_from: t,
        token: t,
        token_symbol: t,
        amount: i === 0 ? '0' : (2n ** 256n - BigInt(i)).toString(),
        decimals: 255 - i,
        counterparty_chain: t,
        bridge_ref: t,
        extra: { t },
      }));
      const rows = flows.map((f) => flowToRow(f as never));
      const columns = Object.keys(rows[0]!);
      assert.ok(
        encodeRowBinary(
          rows,
          columns,
          columns.map((c) => rowBinaryColumnOf(types.find((t) => t.name === c)!.type)!),
        ),
        'these rows have a binary form',
      );
      await store.insert('flows', rows);
      const got = await store.query<Record<string, unknown>>(
        `SELECT ${columns.filter((c) => c !== 'amount' && c !== 'block_time').join(', ')}, toString(amount) AS amount, toUnixTimestamp(block_time) AS block_time
         FROM mixwatch.flows FINAL WHERE service = 'rb' ORDER BY flow_id`,
      );
      const numeric = new Set(['chain_id', 'block_number', 'log_index', 'sub_index', 'decimals', 'block_time']);
      assert.deepEqual(
        got.map((r) => Object.fromEntries(columns.map((c) => [c, numeric.has(c) ? Number(r[c]) : r[c]]))),
        rows,
      );
      // The insert file is reused by the next insert: one file for inserts one after the other.
      await store.insert('flows', rows);
      assert.equal(readdirSync(join(dir, 'chdb-insert')).length, 1, 'one insert file, reused');
      // A shorter batch into the same file reads back alone (the file is cut to its length).
      await store.insert('flows', [{ ...rows[1]!, flow_id: 'rb:short', tx_hash: '0xshort' }]);
      const short = await store.query<{ n: string }>("SELECT toString(count()) AS n FROM mixwatch.flows FINAL WHERE service = 'rb'");
      assert.equal(Number(short[0]?.n), rows.length + 1);
    } finally {
      await store.close();
    }
    assert.deepEqual(readdirSync(join(dir, 'chdb-insert')), [], 'no insert file left behind after close');
  });

  it('inserts leave the bloom-filter indexes to the merges; lookups by address find the rows before and after', async () => {
    const store = await createStore({ common: createTestCommon(), dataDir: dir });
    try {
      await store.migrate();
      const flow = (i: number) =>
        flowToRow({
          flow_id: `lazy:${i}`,
          chain: 'ethereum',
          chain_id: 1,
          block_number: 100 + i,
          block_time: 1_700_000_000 + i,
          block_hash: `0x${'b'.repeat(64)}`,
          tx_hash: `0x${i.toString(16).padStart(64, '0')}`,
          log_index: 0,
          sub_index: 0,
          contract: '0xdac17f958d2ee523a2206206994597c13d831ec7',
          event: 'Transfer',
          service: 'lazy',
          category: 'stablecoin',
          action: 'transfer',
          from_address: `0x${i.toString(16).padStart(40, 'a')}`,
          to_address: `0x${i.toString(16).padStart(40, 'c')}`,
          tx_from: '',
          token: '0xdac17f958d2ee523a2206206994597c13d831ec7',
          token_symbol: 'USDT',
          amount: String(i),
          decimals: 6,
          counterparty_chain: '',
          bridge_ref: '',
          extra: {},
        } as never);
      await store.insert('flows', [0, 1, 2].map(flow));
      await store.insert('flows', [3, 4, 5].map(flow));
      const indexBytes = async () =>
        (
          await store.query<{ b: string }>(
            `SELECT toString(sum(secondary_indices_uncompressed_bytes)) AS b FROM system.parts
             WHERE database = 'mixwatch' AND table = 'flows' AND active AND partition = '202311'`,
          )
        ).map((r) => Number(r.b))[0] ?? -1;
      const lookup = async () =>
        (
          await store.query<{ flow_id: string }>(
            `SELECT flow_id FROM mixwatch.flows FINAL WHERE from_address = {a:String} OR to_address = {b:String} ORDER BY flow_id`,
            { a: `0x${(4).toString(16).padStart(40, 'a')}`, b: `0x${(1).toString(16).padStart(40, 'c')}` },
          )
        ).map((r) => r.flow_id);
      assert.equal(await indexBytes(), 0, 'inserted parts carry no skip index yet');
      assert.deepEqual(await lookup(), ['lazy:1', 'lazy:4']);
      await store.command('OPTIMIZE TABLE mixwatch.flows PARTITION 202311 FINAL');
      assert.ok((await indexBytes()) > 0, 'the merge built the indexes');
      assert.deepEqual(await lookup(), ['lazy:1', 'lazy:4']);
    } finally {
      await store.close();
    }
  });

  it('TabSeparated inserts keep every character; rows TSV cannot carry go as JSON', async () => {
    const store = await createStore({ common: createTestCommon(), dataDir: dir });
    try {
      await store.migrate();
      const tricky = ['back\\slash', '\\N', 'tab\there', 'line\nbreak', 'cr\rlf\r\n', '', 'quote " ✓ 𝄞', '\\t literal', 'nul\u0000byte'];
      const rows = tricky.map((t, i) => ({
        dlq_id: `tsv:${i}`,
        stage: 'test',
        reason: t,
        chain: 'c',
        chain_id: i,
        payload: t,
        created_at: new Date(1_700_000_000_000 + i).toISOString(),
      }));
      assert.ok(encodeTsv(rows, Object.keys(rows[0]!)), 'strings and numbers encode as TSV');
      await store.insert('dlq', rows);
      const got = await store.query<{ reason: string; payload: string; chain_id: number }>(
        "SELECT reason, payload, chain_id FROM mixwatch.dlq FINAL WHERE dlq_id LIKE 'tsv:%' ORDER BY chain_id",
      );
      assert.deepEqual(
        got.map((r) => [r.reason, r.payload]),
        tricky.map((t) => [t, t]),
      );
      // numbers for DateTime columns are unix seconds, as in JSON (TSV would read "86400" as date digits)
      const times = [0, 5, 86_400, 99_999, 1_700_000_000];
      await store.insert(
        'cursors',
        times.map((t, i) => ({ cursor_key: `tsv:time:${i}`, chain: 'c', chain_id: 1, block: i, hash: '0xh', block_time: t })),
      );
      const back = await store.query<{ t: string }>(
        "SELECT toUnixTimestamp(block_time) AS t FROM mixwatch.cursors FINAL WHERE cursor_key LIKE 'tsv:time:%' ORDER BY block",
      );
      assert.deepEqual(
        back.map((r) => Number(r.t)),
        times,
      );
      assert.equal(tsvKindOf("DateTime('UTC')"), 'datetime');
      assert.equal(tsvKindOf("Nullable(DateTime64(6, 'UTC'))"), 'json-only');
      assert.equal(tsvKindOf('LowCardinality(String)'), 'plain');
      assert.equal(encodeTsv([{ at: 1_700_000_000_000 }], ['at'], ['json-only']), undefined, 'a number for DateTime64 goes as JSON');
      assert.equal(encodeTsv([{ at: 1.5 }], ['at'], ['datetime']), undefined, 'fractional seconds go as JSON');
      // a boolean or an object is not TSV: the same insert goes as JSON
      const mixed = [{ cursor_key: 'tsv:json', chain: 'c', chain_id: 1, block: 5, hash: '0xh', block_time: 1, extra_flag: true }];
      assert.equal(encodeTsv(mixed, Object.keys(mixed[0]!)), undefined);
      assert.equal(encodeTsv([{ a: Number.NaN }], ['a']), undefined);
    } finally {
      await store.close();
    }
  });

  it('shouldRetryStore: engine codes in chDB messages count like server codes', () => {
    assert.equal(shouldRetryStore({ code: 'CHDB_INSERT', message: 'Code: 252. DB::Exception: Too many parts (300).' }), true);
    assert.equal(shouldRetryStore({ code: 'CHDB_INSERT', message: 'Code: 60. DB::Exception: Table mixwatch.nope does not exist.' }), false);
    assert.equal(shouldRetryStore({ code: '241', message: 'Memory limit (total) exceeded' }), true);
  });

  it('readOnlySql accepts one read statement and wraps SELECTs', () => {
    assert.equal(readOnlySql('SELECT 1;'), 'SELECT * FROM (SELECT 1\n) SETTINGS final = 1, readonly = 1');
    assert.equal(readOnlySql('SHOW TABLES FROM mixwatch'), 'SHOW TABLES FROM mixwatch');
    assert.throws(() => readOnlySql('SELECT 1; DROP TABLE mixwatch.flows'), /one statement/);
    assert.doesNotThrow(() => readOnlySql("SELECT 'a;b'"));
    assert.throws(() => readOnlySql('DROP TABLE mixwatch.flows'), /not DROP/);
  });
});
