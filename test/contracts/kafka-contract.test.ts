import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBusValidator, TOPICS } from '@mixwatch/bus';
import { decodeLogs } from '@mixwatch/ingest';
import { buildChainIndex } from '@mixwatch/registry';
import { corpusLogs, ETHEREUM, placeLogs } from '../bench/corpus.ts';

// Kafka mode validates every flow against schemas/kafka on produce; the embedded bus does not.
// A decoded flow the contract refuses would be stored in embedded mode and dead-lettered over
// Kafka, so the two modes would differ. Every decodable route must produce contract-valid flows.
/** The corpus's first `n` logs (all of it by default) decoded by the ingest. */
function decodedCorpus(n?: number) {
  const index = buildChainIndex({ chain: 'ethereum' });
  const corpus = corpusLogs({ index });
  const placed = placeLogs(corpus, n ?? corpus.length);
  return decodeLogs({ index, chain: ETHEREUM, logs: placed.logs, txs: placed.txs, blockTimes: placed.blockTimes, formatAddress: (a) => a });
}

describe('flows of every decoder satisfy the Kafka contract', () => {
  it('the corpus (recorded Tornado, USDT, one sample per Ethereum registry route) decodes into valid flows.v1 messages', () => {
    const { flows, deadLetters } = decodedCorpus();
    assert.deepEqual(deadLetters, []);
    const services = new Set(flows.map((f) => f.service));
    assert.ok(services.size >= 15, `only ${services.size} services in the corpus`);
    const validator = createBusValidator();
    const refused = flows
      .map((flow) => ({ flow, verdict: validator.check(TOPICS.flows, { type: 'flow', flow }) }))
      .filter((r) => !r.verdict.ok)
      .map((r) => `${r.flow.service}/${r.flow.event}: ${r.verdict.ok ? '' : r.verdict.reason} (to ${r.flow.to_address})`);
    assert.deepEqual(refused, []);
  });

  it('foreign recipients are kept (Solana key, Bitcoin, Cosmos) while control characters and oversize text are refused by both', () => {
    const validator = createBusValidator();
    const base = decodedCorpus(1).flows[0]!;
    for (const to of [`0x${'9e'.repeat(32)}`, 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', 'osmo1qqqqqq', ''])
      assert.equal(validator.check(TOPICS.flows, { type: 'flow', flow: { ...base, to_address: to } }).ok, true, to);
    for (const to of ['a\nb', 'x'.repeat(257)])
      assert.equal(validator.check(TOPICS.flows, { type: 'flow', flow: { ...base, to_address: to } }).ok, false, to);
  });
});
