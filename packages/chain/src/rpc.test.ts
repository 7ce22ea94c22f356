import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createTestCommon, RetryableError } from '@mixwatch/core';
import { createRpc, isRateLimited, isTimeout } from './rpc.ts';

/** A JSON-RPC stand-in on 127.0.0.1: `answer(n)` decides the n-th (0-based) request's status. */
async function provider(answer: (n: number) => { status: number; retryAfter?: string; delayMs?: number }) {
  let n = 0;
  const seen: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string };
    seen.push(body.method);
    const a = answer(n++);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (a.retryAfter !== undefined) headers['retry-after'] = a.retryAfter;
    res.writeHead(a.status, headers);
    res.end(
      a.status === 200
        ? JSON.stringify({ jsonrpc: '2.0', id: body.id, result: '0x1' })
        : JSON.stringify({
            jsonrpc: '2.0',
            id: body.id,
            error: { code: a.status === 429 ? 429 : -32000, message: a.status === 429 ? 'Too Many Requests' : 'upstream unavailable' },
          }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('createRpc retries', () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const s of stops) await s();
  });

  it('a rate-limited request (429, Retry-After: 0) persists beyond the 4 attempts of other failures', async () => {
    // six 429s in a row, then an answer: needs the 7th attempt
    const p = await provider((n) => (n < 6 ? { status: 429, retryAfter: '0' } : { status: 200 }));
    stops.push(p.stop);
    const rpc = createRpc({ common: createTestCommon(), chain: 'test', urls: [p.url], timeoutMs: 2_000 });
    assert.equal(await rpc.request('eth_blockNumber', []), '0x1');
    assert.equal(p.seen.length, 7);
  });

  it('a 429 storm that outlasts the rate-limit attempts ends in a RetryableError (the caller retries later)', async () => {
    const p = await provider(() => ({ status: 429, retryAfter: '0' }));
    stops.push(p.stop);
    const rpc = createRpc({ common: createTestCommon(), chain: 'test', urls: [p.url], timeoutMs: 2_000, rateLimitAttempts: 5 });
    await assert.rejects(rpc.request('eth_blockNumber', []), (e) => e instanceof RetryableError && isRateLimited(e));
    assert.equal(p.seen.length, 5);
  });

  it('other retryable failures (5xx) stop after `attempts`', async () => {
    const p = await provider(() => ({ status: 502 }));
    stops.push(p.stop);
    const rpc = createRpc({ common: createTestCommon(), chain: 'test', urls: [p.url], timeoutMs: 2_000 });
    await assert.rejects(rpc.request('eth_blockNumber', []), (e) => e instanceof RetryableError && !isRateLimited(e));
    assert.equal(p.seen.length, 4);
  });

  it('a provider slower than the timeout is answered by a retry with a longer timeout (not abandoned on every attempt)', async () => {
    const p = await provider(() => ({ status: 200, delayMs: 600 }));
    stops.push(p.stop);
    const rpc = createRpc({ common: createTestCommon(), chain: 'test', urls: [p.url], timeoutMs: 400 });
    assert.equal(await rpc.request('eth_blockNumber', []), '0x1');
    assert.equal(p.seen.length, 2, 'first attempt timed out at 400 ms, the second waited 800 ms');
  });

  it('timeouts stay bounded: a provider that never answers in time ends in a RetryableError', async () => {
    const p = await provider(() => ({ status: 200, delayMs: 5_000 }));
    stops.push(p.stop);
    const rpc = createRpc({ common: createTestCommon(), chain: 'test', urls: [p.url], timeoutMs: 100 });
    await assert.rejects(rpc.request('eth_blockNumber', []), (e) => e instanceof RetryableError && isTimeout(e));
    assert.equal(p.seen.length, 4);
  });

  it('preferring(i) asks URL i first and shares the client with the others', async () => {
    const a = await provider(() => ({ status: 200 }));
    const b = await provider(() => ({ status: 200 }));
    stops.push(a.stop, b.stop);
    const rpc = createRpc({ common: createTestCommon(), chain: 'test', urls: [a.url, b.url] });
    assert.equal(rpc.providers, 2);
    await rpc.request('eth_blockNumber', []);
    await rpc.preferring!(1).request('eth_chainId', []);
    await rpc.preferring!(2).request('eth_gasPrice', []);
    assert.deepEqual(a.seen, ['eth_blockNumber', 'eth_gasPrice']);
    assert.deepEqual(b.seen, ['eth_chainId']);
  });
});

describe('createRpc batching (rpcBatchSize)', () => {
  it('sends calls released together as one JSON-RPC batch, but eth_getLogs always alone', async () => {
    const bodies: unknown[] = [];
    const server: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number } | Array<{ id: number }>;
      bodies.push(body);
      const answer = (b: { id: number }) => ({ jsonrpc: '2.0', id: b.id, result: '0x1' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const rpc = createRpc({
        common: createTestCommon(),
        chain: 'test',
        urls: [url],
        concurrency: 8,
        requestsPerSecond: 1000,
        batchSize: 8,
      });
      const answers = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => rpc.request('eth_getBlockByNumber', [`0x${i.toString(16)}`, false])),
        rpc.request('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x5' }]),
        rpc.request('eth_getLogs', [{ fromBlock: '0x6', toBlock: '0x9' }]),
      ]);
      assert.deepEqual(answers, Array(8).fill('0x1'));
      const batches = bodies.filter((b) => Array.isArray(b)) as Array<Array<{ method: string }>>;
      const singles = bodies.filter((b) => !Array.isArray(b)) as Array<{ method: string }>;
      // the six block reads shared HTTP requests; each getLogs went in a request of its own
      assert.ok(batches.length >= 1 && batches.length < 6, `block reads in ${batches.length} batches`);
      assert.equal(
        batches.flat().filter((c) => c.method === 'eth_getBlockByNumber').length +
          singles.filter((c) => c.method === 'eth_getBlockByNumber').length,
        6,
      );
      assert.equal(batches.flat().filter((c) => c.method === 'eth_getLogs').length, 0);
      assert.equal(singles.filter((c) => c.method === 'eth_getLogs').length, 2);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
