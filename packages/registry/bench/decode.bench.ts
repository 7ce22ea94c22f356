// Decoder speed: the hand-written decoders (full draft, token lookup included) against viem's
// generic decodeEventLog on the same logs (argument decoding only). Target: >= 4x.
//   node --import tsx packages/registry/bench/decode.bench.ts
import { performance } from 'node:perf_hooks';
import { type AbiEvent, decodeEventLog, parseAbiItem } from 'viem';
import { DECODERS } from '../src/decoders/index.ts';
import { SAMPLES } from '../src/decoders/samples.ts';
import { allContracts } from '../src/registry.ts';
import '../src/decoders/samples-bridges.ts';
import { logFor } from '../src/decoders/testkit.ts';

const KINDS = [
  'erc20.transfer',
  'tornado.withdrawal',
  'tether.added_blacklist',
  'across.v3_funds_deposited',
  'stargate.v2_oft_sent',
  'cbridge.send',
  'thorchain.deposit',
  'railgun.shield',
  'wormhole.log_message_published',
  'multichain.v7_swap_out',
];
const N = 20_000;
const ROUNDS = 7;

/** Mean time per call of one round. */
function round(fn: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn();
  return (performance.now() - t0) / N;
}

/**
 * Best round of each side, rounds interleaved: the machine is shared, so the minimum over rounds
 * is the least noisy estimate of each implementation's cost.
 */
function compare(a: () => void, b: () => void): [number, number] {
  for (let i = 0; i < 100_000; i++) {
    a();
    b();
  } // warm-up: both sides reach optimized code
  let ba = Number.POSITIVE_INFINITY;
  let bb = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    ba = Math.min(ba, round(a));
    bb = Math.min(bb, round(b));
  }
  return [ba, bb];
}

const rows: string[] = [];
let worst = Number.POSITIVE_INFINITY;
for (const name of KINDS) {
  const sample = SAMPLES[name];
  const contract = allContracts().find((c) => c.events.some((e) => e.decoder === name) && !c.watch);
  if (!sample || !contract) throw new Error(`no sample/contract for ${name}`);
  const ctx = logFor(contract, sample.abi, sample.args(contract), { from: sample.from, to: contract.address, value: '0' });
  const decoder = DECODERS[name]!;
  const item = parseAbiItem(sample.abi) as AbiEvent;
  const [ours, viem] = compare(
    () => decoder.decode(ctx),
    () => decodeEventLog({ abi: [item], data: ctx.log.data as `0x${string}`, topics: ctx.log.topics as [`0x${string}`] }),
  );
  const ratio = viem / ours;
  worst = Math.min(worst, ratio);
  rows.push(
    `${name.padEnd(34)} ours ${(ours * 1e3).toFixed(2).padStart(7)} µs   viem ${(viem * 1e3).toFixed(2).padStart(7)} µs   x${ratio.toFixed(1)}`,
  );
}
console.log(rows.join('\n'));
console.log(`worst speed-up: x${worst.toFixed(1)} (target x4)`);
