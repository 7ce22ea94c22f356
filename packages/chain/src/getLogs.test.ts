import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestCommon, RetryableError } from '@mixwatch/core';
import { getLogsAdaptive, isRangeTooLarge } from './getLogs.ts';
import type { Rpc } from './rpc.ts';

describe('getLogsAdaptive', () => {
  it('recognizes range refusals of the common providers', () => {
    for (const message of [
      'query returned more than 10000 results',
      'block range is too wide',
      'exceed maximum block range: 5000',
      'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range',
      'eth_getLogs is limited to a 10,000 range',
    ]) {
      assert.ok(isRangeTooLarge(new Error(message)), message);
    }
    assert.ok(isRangeTooLarge({ code: -32005, message: 'limit' }));
    assert.ok(isRangeTooLarge(new RetryableError('wrapped', { cause: { message: 'range too large' } })));
    assert.ok(!isRangeTooLarge(new Error('connection refused')));
  });

  it('splits refused ranges until the provider accepts them, covering every block once', async () => {
    const asked: Array<[number, number]> = [];
    const rpc: Rpc = {
      where: 'test',
      async request<T>(_method: string, params: unknown[]) {
        const f = params[0] as { fromBlock: string; toBlock: string };
        const from = Number(f.fromBlock);
        const to = Number(f.toBlock);
        if (to - from + 1 > 7) throw new Error('query exceeds max block range 7');
        asked.push([from, to]);
        const logs = [];
        for (let b = from; b <= to; b++) logs.push({ blockNumber: `0x${b.toString(16)}` });
        return logs as T;
      },
    };
    const state = { span: 100, max: 100 };
    const logs = await getLogsAdaptive(rpc, createTestCommon(), 'test', { address: [], topics: [] }, 10, 109, state);
    assert.deepEqual(
      logs.map((l) => Number(l.blockNumber)),
      Array.from({ length: 100 }, (_, i) => 10 + i),
    );
    assert.ok(state.span < 20, `span learnt: ${state.span}`);
    for (const [a, b] of asked) assert.ok(b - a + 1 <= 7);
  });

  it('gives up loudly when even one block is refused, and passes other errors through', async () => {
    const refuse: Rpc = { where: 't', request: async () => Promise.reject(new Error('query returned more than 10000 results')) };
    await assert.rejects(
      getLogsAdaptive(refuse, createTestCommon(), 'test', { address: [], topics: [] }, 5, 5, { span: 1, max: 1 }),
      /refused even a single block \(5\)/,
    );
    const down: Rpc = { where: 't', request: async () => Promise.reject(new RetryableError('fetch failed')) };
    await assert.rejects(
      getLogsAdaptive(down, createTestCommon(), 'test', { address: [], topics: [] }, 1, 9, { span: 4, max: 4 }),
      RetryableError,
    );
  });
});
