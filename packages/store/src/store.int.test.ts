import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestCommon } from '@mixwatch/core';
import { createStore, readOnlySql } from './store.ts';

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

  it('readOnlySql accepts one read statement and wraps SELECTs', () => {
    assert.equal(readOnlySql('SELECT 1;'), 'SELECT * FROM (SELECT 1\n) SETTINGS final = 1, readonly = 1');
    assert.equal(readOnlySql('SHOW TABLES FROM mixwatch'), 'SHOW TABLES FROM mixwatch');
    assert.throws(() => readOnlySql('SELECT 1; DROP TABLE mixwatch.flows'), /one statement/);
    assert.doesNotThrow(() => readOnlySql("SELECT 'a;b'"));
    assert.throws(() => readOnlySql('DROP TABLE mixwatch.flows'), /not DROP/);
  });
});
