// Starts anvil (chain id 1) on 127.0.0.1:8545 and replays recorded Tornado Cash 100 ETH pool
// events and Tether events at their real mainnet addresses, then keeps the chain moving: one
// more recorded event every few seconds, until Ctrl-C. Pair it with
//   node services/cli/bin/mixwatch.mjs run --config examples/anvil.yaml
// Usage: node --import tsx scripts/anvil-replay.ts [--port 8545] [--every 3]
import { ADDR, emitLog, mine, startAnvil, tornadoCases, usdtBlacklist, usdtTransfer } from '../test/helpers/index.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const port = arg('port', 8545);
const every = arg('every', 3);
const anvil = await startAnvil({ chainId: 1, port, timestamp: 1_577_000_000 });
const cases = tornadoCases({ deposits: 300, withdrawals: 260 });
const sanctioned = '0x098b716b8aaf21512996dc57eb0615e2383e2f96';
console.log(
  `anvil (chain id 1) on ${anvil.url}; replaying ${cases.length} recorded Tornado events, then one every ${every}s (Ctrl-C to stop)`,
);
let i = 0;
for (; i < 40; i++) await emitLog(anvil, cases[i]!.log);
let t = (cases[39]?.log.timestamp ?? 1_600_000_000) + 60;
for (const l of [
  usdtTransfer(ADDR.harmonyExploiter, sanctioned, 5_000_000_000n),
  usdtBlacklist('added', sanctioned),
  usdtBlacklist('destroyed', sanctioned, 5_000_000_000n),
]) {
  await emitLog(anvil, { ...l, timestamp: t++ });
}
await mine(anvil, 3);
console.log('history replayed; streaming…');
const timer = setInterval(async () => {
  const c = cases[i++ % cases.length]!;
  t = Math.max(t + 12, c.log.timestamp ?? 0);
  await emitLog(anvil, { ...c.log, timestamp: t }).catch((e) => console.error(String(e)));
  await mine(anvil, 1).catch(() => {});
}, every * 1000);
const stop = async () => {
  clearInterval(timer);
  await anvil.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
