import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allContracts, buildChainIndex, type ContractEntry, type FlowDraft } from '@mixwatch/registry';
import { formatAddress } from '../../packages/chain/src/tron.ts';
import { SAMPLES } from '../../packages/registry/src/decoders/samples.ts';
import '../../packages/registry/src/decoders/samples-bridges.ts';
import {
  type Anvil,
  emitLog,
  headNumber,
  mine,
  runCli,
  startAnvil,
  startInProcess,
  tempDir,
  testConfig,
  waitFor,
} from '@mixwatch/test/helpers';
import { type AbiEvent, encodeAbiParameters, encodeEventTopics, keccak256, parseAbiItem, toBytes } from 'viem';

// Coverage end to end: for every (chain, address, event) route of the registry that has a decoder,
// the documented sample log is emitted at the real contract address on an anvil node that has the
// chain's real chain id — one node per chain, all nine at once (TRON = 728126428) — the embedded
// pipeline (ingest → bus → sink → chDB) runs, and every row is checked field by field.

const CHAIN_IDS: Record<string, number> = {
  ethereum: 1,
  bsc: 56,
  polygon: 137,
  arbitrum: 42161,
  optimism: 10,
  avalanche: 43114,
  gnosis: 100,
  base: 8453,
  tron: 728126428,
};
const TRANSFER = keccak256(toBytes('Transfer(address,address,uint256)'));

interface Emitted {
  chain: string;
  contract: ContractEntry;
  event: string;
  service: string;
  txHash: string;
  logIndex: number;
  expect: Array<Partial<FlowDraft>>;
}

function encode(abi: string, args: Record<string, unknown>): { topics: string[]; data: string } {
  const item = parseAbiItem(abi) as AbiEvent;
  const indexed = item.inputs.filter((i) => i.indexed);
  const topics = encodeEventTopics({
    abi: [item],
    eventName: item.name,
    args: Object.fromEntries(indexed.map((i) => [i.name, args[i.name as string]])),
  } as never) as string[];
  const rest = item.inputs.filter((i) => !i.indexed);
  return { topics, data: encodeAbiParameters(rest, rest.map((i) => args[i.name as string]) as never) };
}

/** Expected column value as the flows table shows it (TRON addresses in base58). */
function shown(chain: string, key: string, v: unknown): string {
  const s = String(v ?? '');
  if (chain === 'tron' && ['from_address', 'to_address', 'token'].includes(key) && /^0x[0-9a-f]{40}$/.test(s))
    return formatAddress('tron', s);
  return s;
}

describe('coverage: every decodable registry event on every chain, through the pipeline', () => {
  const tmp = tempDir();
  const nodes = new Map<string, Anvil>();
  const emitted: Emitted[] = [];
  let daemon: { stop(): Promise<void> } | undefined;
  const registryPairs = () =>
    new Set(
      allContracts()
        .filter((c) => CHAIN_IDS[c.chain] && c.events.some((ev) => ev.decoder))
        .map((c) => `${c.chain}/${c.service}`),
    );

  before(async () => {
    await Promise.all(Object.entries(CHAIN_IDS).map(async ([chain, chainId]) => nodes.set(chain, await startAnvil({ chainId }))));
    for (const [chain, anvil] of nodes) {
      const idx = buildChainIndex({ chain });
      for (const route of idx.routes.values()) {
        if (route.contract.watch) continue; // reached through token logs: emitted below
        // Combined routes (USDT + Avalanche Bridge) use the sample of the contract's own event.
        const sample = SAMPLES[route.event.decoder ?? ''];
        assert.ok(sample, `no sample for ${route.event.decoder}`);
        const { topics, data } = encode(sample.abi, sample.args(route.contract));
        assert.equal(topics[0], route.event.topic0, `${route.contract.label}: sample ABI matches the registry topic0`);
        const r = await emitLog(anvil, { address: route.contract.address, topics, data, from: sample.from, value: sample.value ?? 0n });
        emitted.push({
          chain,
          contract: route.contract,
          event: route.event.name,
          service: route.contract.service,
          txHash: r.txHash,
          logIndex: r.logIndex,
          expect: sample.expect({ contract: route.contract, txHash: r.txHash, logIndex: r.logIndex }),
        });
      }
    }
    // Watched custody addresses (Avalanche Bridge EOA, Orbit vaults): a USDT Transfer into and out of
    // each is both a USDT transfer and a bridge leg (USDT is itself watched, so the ingest fetches it).
    const user = '0x1111111111111111111111111111111111111111';
    const recipient = '0x2222222222222222222222222222222222222222';
    for (const w of allContracts().filter((c) => c.watch && CHAIN_IDS[c.chain])) {
      const usdt = allContracts().find(
        (c) => c.service === 'usdt' && c.chain === w.chain && c.token && w.watch?.tokens.includes(c.address),
      );
      assert.ok(usdt && w.watch, `${w.label}: a watched token that is itself in the registry`);
      for (const [from, to] of [
        [user, w.address],
        [w.address, recipient],
      ] as const) {
        const { topics, data } = encode('event Transfer(address indexed from, address indexed to, uint256 value)', {
          from,
          to,
          value: 25_000_000n,
        });
        assert.equal(topics[0], TRANSFER);
        const r = await emitLog(nodes.get(w.chain)!, { address: usdt.address, topics, data, from });
        const out = to === w.address;
        emitted.push({
          chain: w.chain,
          contract: usdt,
          event: 'Transfer',
          service: 'usdt',
          txHash: r.txHash,
          logIndex: r.logIndex,
          expect: [
            { action: 'transfer', from_address: from, to_address: to, amount: '25000000', token: usdt.address },
            {
              service: w.service,
              action: out ? 'bridge_out' : 'bridge_in',
              from_address: from,
              to_address: out ? (w.watch.sameAddress ? from : '') : to,
              amount: '25000000',
              counterparty_chain: w.watch.counterparty,
            },
          ],
        });
      }
      // A token that is watched only for this custody address (not a registry contract itself): the
      // ingest reaches it solely through ChainIndex.topicFilters, so only the bridge leg is stored.
      const other = w.watch.tokens.find((t) => !allContracts().some((c) => c.chain === w.chain && c.address === t));
      assert.ok(other, `${w.label}: a token reached only through topic filters`);
      const { topics, data } = encode('event Transfer(address indexed from, address indexed to, uint256 value)', {
        from: user,
        to: w.address,
        value: 7_000_000n,
      });
      const r = await emitLog(nodes.get(w.chain)!, { address: other, topics, data, from: user });
      emitted.push({
        chain: w.chain,
        contract: w,
        event: 'Transfer',
        service: w.service,
        txHash: r.txHash,
        logIndex: r.logIndex,
        expect: [
          {
            action: 'bridge_out',
            from_address: user,
            to_address: w.watch.sameAddress ? user : '',
            token: other,
            amount: '7000000',
            counterparty_chain: w.watch.counterparty,
          },
        ],
      });
      // A Transfer of that token between two unrelated addresses matches no topic filter: never fetched.
      const unrelated = encode('event Transfer(address indexed from, address indexed to, uint256 value)', {
        from: user,
        to: recipient,
        value: 1n,
      });
      await emitLog(nodes.get(w.chain)!, { address: other, topics: unrelated.topics, data: unrelated.data, from: user });
    }
    for (const anvil of nodes.values()) await mine(anvil, 3);
  });

  after(async () => {
    await daemon?.stop();
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    tmp.remove();
  });

  it('stores the exact flow of every emitted log on all nine chains; nothing goes to the dead-letter table', async () => {
    const heads = new Map<string, number>();
    for (const [chain, anvil] of nodes) heads.set(chain, await headNumber(anvil));
    const chains = Object.fromEntries([...nodes].map(([chain, anvil]) => [chain, { url: anvil.url }]));
    const started = await startInProcess(testConfig({ dataDir: tmp.dir, chains }), ['ingest', 'sink']);
    daemon = started.daemon;
    const q = started.query;
    {
      await waitFor(
        'every chain cursor to reach its confirmed head',
        async () => {
          const rows = await q<{ cursor_key: string; block: string }>('SELECT cursor_key, block FROM mixwatch.cursors FINAL');
          const at = new Map(rows.map((r) => [r.cursor_key, Number(r.block)]));
          return [...heads].every(([chain, head]) => (at.get(`live:${CHAIN_IDS[chain]}`) ?? 0) >= head - 2);
        },
        300_000,
      );
      const rows = await q<Record<string, string>>(
        `SELECT chain, chain_id, tx_hash, log_index, sub_index, service, action, from_address, to_address, token, token_symbol, toString(amount) AS amount,
                decimals, counterparty_chain, bridge_ref, event FROM mixwatch.flows FINAL ORDER BY chain, block_number, log_index, sub_index`,
      );
      const byLog = new Map<string, Array<Record<string, string>>>();
      for (const r of rows) {
        const k = `${r.chain}:${r.tx_hash}:${r.log_index}`;
        byLog.set(k, [...(byLog.get(k) ?? []), r]);
      }
      let expectedRows = 0;
      for (const e of emitted) {
        const got = (byLog.get(`${e.chain}:${e.txHash}:${e.logIndex}`) ?? []).sort((a, b) => Number(a.sub_index) - Number(b.sub_index));
        assert.equal(
          got.length,
          e.expect.length,
          `${e.chain} ${e.contract.label} ${e.event}: ${got.length} rows, expected ${e.expect.length}`,
        );
        e.expect.forEach((exp, i) => {
          const row = got[i]!;
          assert.equal(Number(row.chain_id), CHAIN_IDS[e.chain]);
          assert.equal(row.service, exp.service ?? e.service);
          for (const [k, v] of Object.entries(exp)) {
            if (k === 'extra' || k === 'service') continue;
            assert.equal(String(row[k]), shown(e.chain, k, v), `${e.chain} ${e.contract.label} ${e.event} row ${i} ${k}`);
          }
        });
        expectedRows += e.expect.length;
      }
      assert.equal(rows.length, expectedRows, 'no extra rows');
      const dlq = await q<{ chain: string; reason: string }>('SELECT chain, reason FROM mixwatch.dlq');
      assert.deepEqual(dlq, [], 'dead letters');

      // The acceptance query: every service of the registry on every chain.
      const grouped = await q<{ chain: string; service: string }>(
        'SELECT chain, service, action, count() AS n FROM mixwatch.flows GROUP BY ALL ORDER BY ALL',
      );
      const listed = new Set(grouped.map((r) => `${r.chain}/${r.service}`));
      const registry = registryPairs();
      assert.ok(registry.size >= 60, `${registry.size} chain/service pairs`);
      for (const pair of registry) assert.ok(listed.has(pair), `flows list ${pair}`);
      console.log(
        `coverage: ${emitted.length} logs on ${nodes.size} chains -> ${rows.length} flow rows; ${registry.size} chain/service pairs`,
      );
    }
  });

  it('mixwatch sql (the CLI, through the running daemon) lists every service on every chain', async () => {
    assert.ok(daemon, 'runs after the pipeline test');
    const cli = await runCli(
      ['sql', 'SELECT chain, service, action, count() AS n FROM mixwatch.flows GROUP BY ALL ORDER BY ALL', '--format', 'JSONEachRow'],
      {
        env: { MIXWATCH_DATA_DIR: tmp.dir },
      },
    );
    assert.equal(cli.code, 0, cli.stderr);
    const listed = new Set(
      cli.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { chain: string; service: string })
        .map((r) => `${r.chain}/${r.service}`),
    );
    for (const pair of registryPairs()) assert.ok(listed.has(pair), `mixwatch sql lists ${pair}`);
  });
});
