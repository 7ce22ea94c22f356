import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestCommon } from '@mixwatch/core';
import { startHttpServer } from './http.ts';

describe('daemon HTTP endpoint', () => {
  it('GET /metrics renders every metric, ?name= only the named ones', async () => {
    const common = createTestCommon();
    common.metrics.sinkCursor.set({ chain: 'ethereum' }, 42);
    common.metrics.chainCursor.set({ chain: 'ethereum' }, 45);
    const http = await startHttpServer({ common, host: '127.0.0.1', port: 0, roles: () => [] });
    try {
      const get = async (path: string) => (await fetch(`http://127.0.0.1:${http.port}${path}`)).text();
      const all = await get('/metrics');
      assert.match(all, /^mixwatch_sink_cursor_block\{chain="ethereum"\} 42$/m);
      assert.match(all, /^mixwatch_ingest_cursor_block\{chain="ethereum"\} 45$/m);
      const one = await get('/metrics?name=mixwatch_sink_cursor_block&name=no_such_metric');
      assert.match(one, /^mixwatch_sink_cursor_block\{chain="ethereum"\} 42$/m);
      assert.doesNotMatch(one, /mixwatch_ingest_cursor_block/);
      assert.ok(one.length < all.length / 10, `${one.length} of ${all.length} characters`);
    } finally {
      await http.close();
    }
  });
});
