import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '@mixwatch/core';
import { decodeLogs } from '@mixwatch/ingest';
import fc from 'fast-check';
import { CHAIN } from './decoders/testkit.ts';
import { allContracts, buildChainIndex, type ChainIndex, type Route } from './registry.ts';
import type { DecodeChain, RawLog, TxInfo } from './types.ts';

// Bad-input fuzzing (fast-check) of every registry route on every chain: random topics and data
// (random words, small offsets/lengths, zero-padded addresses, all-ones, ragged tails) and a
// random transaction. A decoder either returns well-formed drafts or throws DecodeError — never
// another exception (a TypeError, a RangeError, a BigInt SyntaxError would be a crash, not a
// rejection with a reason). Then the ingest side: random logs through services/ingest decodeLogs
// never throw, and every log is either decoded or one dead letter that carries the reason.

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const hexString = (c: { minLength?: number; maxLength: number }) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), ...c });
const word32 = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hexOf), // anything
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexOf(b).padStart(64, '0')), // an address
  fc.integer({ min: 0, max: 4096 }).map((n) => n.toString(16).padStart(64, '0')), // offsets, lengths, ids
  fc.constantFrom('f'.repeat(64), '0'.repeat(64), `${'0'.repeat(48)}${'f'.repeat(16)}`, `${'0'.repeat(50)}${'f'.repeat(14)}`),
);
const dataArb = fc
  .tuple(fc.array(word32, { maxLength: 14 }), fc.oneof(fc.constant(''), hexString({ maxLength: 70 })))
  .map(([words, tail]) => {
    const t = tail.toLowerCase();
    return `0x${words.join('')}${t.length % 2 ? t.slice(1) : t}`;
  });
const txArb: fc.Arbitrary<TxInfo | undefined> = fc.option(
  fc.record({
    from: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${hexOf(b)}`),
    to: fc.option(
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${hexOf(b)}`),
      { nil: null },
    ),
    value: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map(String),
    input: fc.option(
      fc.tuple(hexString({ minLength: 8, maxLength: 8 }), dataArb).map(([sel, d]) => `0x${sel}${d.slice(2)}`),
      {
        nil: undefined,
      },
    ),
  }),
  { nil: undefined },
) as fc.Arbitrary<TxInfo | undefined>;

function routesOf(): Array<{ chain: DecodeChain; index: ChainIndex; route: Route }> {
  const out: Array<{ chain: DecodeChain; index: ChainIndex; route: Route }> = [];
  for (const name of new Set(allContracts().map((c) => c.chain))) {
    const facts = CHAIN[name];
    if (!facts) continue;
    const index = buildChainIndex({ chain: name });
    for (const route of index.routes.values()) out.push({ chain: { name, ...facts }, index, route });
  }
  return out;
}

test('every registry route: random topics/data/tx either decode to well-formed drafts or throw DecodeError', () => {
  const routes = routesOf();
  assert.ok(routes.length > 50, `routes found: ${routes.length}`);
  const failures: string[] = [];
  let decoded = 0;
  let rejected = 0;
  for (const { chain, route } of routes) {
    const logArb = fc.record({
      extraTopics: fc.array(word32, { maxLength: 4 }),
      data: dataArb,
      tx: txArb,
    });
    try {
      fc.assert(
        fc.property(logArb, ({ extraTopics, data, tx }) => {
          const log: RawLog = {
            address: route.contract.address,
            topics: [route.event.topic0, ...extraTopics.map((t) => `0x${t}`)],
            data,
            blockNumber: 19_000_000,
            blockHash: `0x${'cd'.repeat(32)}`,
            transactionHash: `0x${'ab'.repeat(32)}`,
            logIndex: 3,
          };
          try {
            const drafts = route.decoder.decode({ chain, contract: route.contract, event: route.event, log, ...(tx ? { tx } : {}) });
            assert.ok(Array.isArray(drafts), 'decode returns an array');
            for (const d of drafts) {
              assert.match(d.amount, /^\d+$/, `amount ${d.amount} is a decimal integer`);
              assert.equal(typeof d.action, 'string');
              assert.equal(typeof d.from_address, 'string');
              assert.equal(typeof d.to_address, 'string');
              assert.ok(Number.isInteger(d.decimals), `decimals ${d.decimals}`);
            }
            decoded++;
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            if (!(error instanceof DecodeError)) throw new Error(`threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
            assert.ok(error.message.length > 0, 'a DecodeError says why');
            rejected++;
          }
        }),
        { numRuns: 150, seed: 7 },
      );
    } catch (error) {
      failures.push(
        `${route.contract.chain} ${route.contract.label} ${route.event.signature} (${route.decoder.name}): ${String(
          (error as Error).message,
        )
          .split('\n')
          .slice(0, 4)
          .join(' | ')}`,
      );
    }
  }
  assert.ok(rejected > 0 && decoded > 0, `both outcomes exercised (decoded ${decoded}, rejected ${rejected})`);
  assert.deepEqual(failures, [], `${failures.length} routes crash on bad input:\n${failures.join('\n')}`);
});

test('decodeLogs on random logs at watched and unwatched addresses: never throws, each log is flows or one dead letter with a reason', () => {
  const chain: DecodeChain = { name: 'ethereum', ...CHAIN.ethereum! };
  const index = buildChainIndex({ chain: 'ethereum' });
  const routes = [...index.routes.values()];
  const logArb = fc.record({
    route: fc.integer({ min: 0, max: routes.length - 1 }),
    unwatched: fc.boolean(),
    topic0: fc.oneof(fc.constant(undefined), word32),
    extraTopics: fc.array(word32, { maxLength: 4 }),
    data: dataArb,
    tx: txArb,
  });
  let dead = 0;
  let decoded = 0;
  fc.assert(
    fc.property(fc.array(logArb, { minLength: 1, maxLength: 40 }), (items) => {
      const txs = new Map<string, TxInfo>();
      const logs: RawLog[] = items.map((it, i) => {
        const route = routes[it.route]!;
        const transactionHash = `0x${i.toString(16).padStart(64, '0')}`;
        if (it.tx) txs.set(transactionHash, it.tx);
        return {
          address: it.unwatched ? `0x${'12'.repeat(20)}` : route.contract.address,
          topics: [it.topic0 === undefined ? route.event.topic0 : `0x${it.topic0}`, ...it.extraTopics.map((t) => `0x${t}`)],
          data: it.data,
          blockNumber: 100 + (i % 3),
          blockHash: `0x${'cd'.repeat(32)}`,
          transactionHash,
          logIndex: i,
        };
      });
      const blockTimes = new Map([
        [100, 1_700_000_000],
        [101, 1_700_000_012],
      ]); // block 102 has no time: those logs must be dead letters too
      const { flows, deadLetters } = decodeLogs({ index, chain, logs, txs, blockTimes, formatAddress: (a) => a });
      const flowed = new Set(flows.map((f) => f.log_index));
      const deadAt = deadLetters.map((d) => d.log_index);
      assert.equal(new Set(deadAt).size, deadAt.length, 'at most one dead letter per log');
      for (const d of deadLetters) {
        assert.equal(d.stage, 'ingest.decode');
        assert.ok(d.reason.length > 5, `dead letter has a reason: ${d.reason}`);
        assert.ok(!flowed.has(d.log_index), 'a dead-lettered log made no flow');
        assert.equal(JSON.parse(d.payload).logIndex, d.log_index, 'the log is kept verbatim');
      }
      for (const l of logs) if (l.blockNumber === 102) assert.ok(deadAt.includes(l.logIndex), 'no block time -> dead letter');
      for (const f of flows) assert.match(f.amount, /^\d+$/);
      dead += deadLetters.length;
      decoded += flowed.size;
    }),
    { numRuns: 300, seed: 11 },
  );
  assert.ok(dead > 0 && decoded > 0, `both outcomes exercised (flows from ${decoded} logs, ${dead} dead letters)`);
});
