/**
 * Replays scenarios through the real embedded pipeline (used by test/e2e/scenarios.int.test.ts
 * and scripts/eval.ts):
 * - chain mode: scenarios whose every step is a log or a value transfer are replayed on anvil (chain ids 1 and 42161) at the
 *   real contract addresses with the real senders (emitLog), and the daemon's ingest → bus →
 *   sink + detect handles them, exactly as in production;
 * - bus mode: scenarios with steps no ingest produces yet (bridge legs whose decoders cannot be
 *   driven from a scenario log, native-coin transfers, other chains, ingest heartbeats) are
 *   published on `mixwatch.flows.v1` of a daemon running sink + detect.
 * Scenario k is shifted by k × 60 days of block time, so windows of one never reach another.
 * Alerts are attributed to scenarios by block time; latency is wall clock from the moment the
 * triggering step was emitted/published to the alert on `mixwatch.alerts.v1`.
 */
import { TOPICS } from '@mixwatch/bus';
import type { Alert, FlowMessage } from '@mixwatch/core';
import { type Anvil, emitLog, headNumber, mine, startAnvil, startInProcess, waitFor } from '@mixwatch/test/helpers';
import { closingCheckpoints, type Scenario } from './lib.ts';

const SHIFT = 60 * 86_400;

/** One scenario's outcome in the pipeline. */
export interface PipelineResult {
  scenario: Scenario;
  mode: 'chain' | 'bus';
  alerts: Alert[];
  /** alert_id → wall-clock ms from the triggering step to the alert. */
  latencyMs: Map<string, number>;
}

/** Chains the chain mode runs an anvil node for. */
const CHAIN_IDS = new Map([
  ['ethereum', 1],
  ['arbitrum', 42_161],
]);

/**
 * Can the scenario be replayed on a chain: every step a log the registry decodes or a value
 * transfer (the ingest turns those of watched senders into flows), on a chain we run?
 */
export function chainReplayable(s: Scenario): boolean {
  return s.steps.every((st) => (st.log || st.native) && CHAIN_IDS.has(st.chain));
}

/** A plain value transfer from an impersonated, funded sender at block time `ts`. */
async function sendValue(anvil: Anvil, v: { from: string; to: string; value: string }, ts: number): Promise<string> {
  await anvil.rpc('anvil_impersonateAccount', [v.from]);
  await anvil.rpc('anvil_setBalance', [v.from, `0x${(10n ** 27n).toString(16)}`]);
  await anvil.rpc('evm_setNextBlockTimestamp', [`0x${ts.toString(16)}`]);
  const tx = await anvil.rpc<string>('eth_sendTransaction', [{ from: v.from, to: v.to, value: `0x${BigInt(v.value).toString(16)}` }]);
  for (let i = 0; i < 200; i++) {
    if (await anvil.rpc<unknown>('eth_getTransactionReceipt', [tx])) return tx;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`value transfer ${tx} was not mined`);
}

function shiftMessage(m: FlowMessage, by: number, blocks: number, wallNow: number): FlowMessage {
  // Block numbers move too, so the detect cursor of each scenario is beyond the previous one's.
  if (m.type === 'flow')
    return { ...m, flow: { ...m.flow, block_time: m.flow.block_time + by, block_number: m.flow.block_number + blocks } };
  if (m.type === 'heartbeat') {
    // Heartbeats carry the wall clock of their sending: they are stamped as they are published
    // (the story's 12-second spacing is compressed). Each scenario gets its own chain name, or the
    // silence of one story would leak into the next.
    return { ...m, chain: `${m.chain}_s${blocks / 100_000}`, cursor_time: m.cursor_time + by, at: wallNow };
  }
  return m;
}

/** Options of {@link runScenariosInPipeline}. */
export interface RunPipelineParameters {
  dataDir: string;
  scenarios: Scenario[];
  /** Replay the chain-replayable scenarios on anvil (default true). */
  chain?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** First scenario start (unix s). Default: the first scenario's own start. */
  base?: number;
}

/** Runs every scenario through the pipeline; see the module comment. */
export async function runScenariosInPipeline(p: RunPipelineParameters): Promise<PipelineResult[]> {
  const log = p.log ?? (() => {});
  const base = p.base ?? p.scenarios[0]?.start ?? 0;
  const indexed = p.scenarios.map((s, k) => ({ s, k, offset: base + k * SHIFT - s.start }));
  const onChain = p.chain === false ? [] : indexed.filter(({ s }) => chainReplayable(s));
  const onBus = indexed.filter((x) => !onChain.includes(x));
  const results: PipelineResult[] = [];
  const detectConfig = { rules: { pipelineHealth: { silenceSec: 3, checkIntervalMs: 250 } } };

  const collect = (alerts: Alert[], arrived: Map<string, number>) => (records: Array<{ value: Alert }>) => {
    for (const r of records) {
      alerts.push(r.value);
      if (!arrived.has(r.value.alert_id)) arrived.set(r.value.alert_id, Date.now());
    }
    return Promise.resolve();
  };
  const attribute = (
    x: { s: Scenario; k: number },
    mode: 'chain' | 'bus',
    alerts: Alert[],
    arrived: Map<string, number>,
    sent: Map<string, number>,
    lastSent: number,
  ) => {
    const from = base + x.k * SHIFT;
    // Alerts that arrive after the scenario ended are not its doing (e.g. a chain that went
    // silent because the replay moved on to the next scenario).
    const ended = Date.now();
    const mine = [
      ...new Map(
        alerts
          .filter((a) => a.block_time >= from && a.block_time < from + SHIFT && (arrived.get(a.alert_id) ?? 0) <= ended)
          .map((a) => [a.alert_id, a]),
      ).values(),
    ];
    const latencyMs = new Map<string, number>();
    for (const a of mine) latencyMs.set(a.alert_id, (arrived.get(a.alert_id) ?? 0) - (sent.get(a.tx_hash) ?? lastSent));
    results.push({ scenario: x.s, mode, alerts: mine, latencyMs });
  };

  if (onChain.length) {
    // One anvil per chain (chain ids 1 and 42161), the daemon ingesting both.
    const anvils = new Map<string, { anvil: Anvil; chainId: number; lastTs: number }>();
    for (const [chain, chainId] of CHAIN_IDS)
      anvils.set(chain, { anvil: await startAnvil({ chainId, timestamp: base - 86_400 }), chainId, lastTs: 0 });
    const raw = {
      dataDir: p.dataDir,
      http: { port: 0 },
      chains: Object.fromEntries(
        [...anvils].map(([chain, a]) => [chain, { rpc: [a.anvil.url], pollIntervalMs: 100, confirmations: 2, startBlock: 1 }]),
      ),
      detect: detectConfig,
    };
    const { daemon, query } = await startInProcess(raw, ['ingest', 'sink', 'detect']);
    const alerts: Alert[] = [];
    const arrived = new Map<string, number>();
    await daemon.ctx.bus.subscribe(TOPICS.alerts, 'eval', collect(alerts, arrived));
    try {
      for (const x of onChain) {
        const sent = new Map<string, number>();
        const used = new Set<string>();
        for (const st of x.s.steps) {
          const a = anvils.get(st.chain)!;
          used.add(st.chain);
          let ts = x.s.start + st.at + x.offset;
          if (ts <= a.lastTs) ts = a.lastTs + 1;
          a.lastTs = ts;
          if (st.native) sent.set(await sendValue(a.anvil, st.native, ts), Date.now());
          else sent.set((await emitLog(a.anvil, { ...st.log!, timestamp: ts })).txHash, Date.now());
        }
        const lastSent = Date.now();
        for (const chain of used) {
          const a = anvils.get(chain)!;
          await mine(a.anvil, 3);
          a.lastTs += 3 * 12;
          const head = await headNumber(a.anvil);
          await waitFor(`detect to reach ${chain} block ${head - 2} (${x.s.name})`, async () => {
            const c = await query<{ block: string }>('SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = {k:String}', {
              k: `detect:${a.chainId}`,
            });
            return Number(c[0]?.block ?? 0) >= head - 2;
          });
        }
        attribute(x, 'chain', alerts, arrived, sent, lastSent);
        log(`chain ${x.s.name}: ${results.at(-1)!.alerts.length} alert(s)`);
      }
    } finally {
      await daemon.stop();
      for (const a of anvils.values()) await a.anvil.stop();
    }
  }

  if (onBus.length) {
    const raw = { dataDir: p.dataDir, http: { port: 0 }, chains: { ethereum: {}, tron: {}, arbitrum: {} }, detect: detectConfig };
    const { daemon, query } = await startInProcess(raw, ['sink', 'detect']);
    const alerts: Alert[] = [];
    const arrived = new Map<string, number>();
    await daemon.ctx.bus.subscribe(TOPICS.alerts, 'eval', collect(alerts, arrived));
    try {
      for (const x of onBus) {
        const sent = new Map<string, number>();
        const published: FlowMessage[] = [];
        for (const st of x.s.steps) {
          const m = shiftMessage(st.message, x.offset, x.k * 100_000, Date.now());
          const key = String(m.type === 'flow' ? m.flow.chain_id : 'chain_id' in m ? m.chain_id : 0);
          await daemon.ctx.bus.publish(TOPICS.flows, [{ key, value: m }]);
          published.push(m);
          if (m.type === 'flow') sent.set(m.flow.tx_hash, Date.now());
        }
        const lastSent = Date.now();
        const last = closingCheckpoints(published);
        for (const c of last) await daemon.ctx.bus.publish(TOPICS.flows, [{ key: String(c.chain_id), value: c }]);
        await waitFor(`detect to handle ${x.s.name}`, async () => {
          for (const c of last) {
            const r = await query<{ block: string }>('SELECT block FROM mixwatch.cursors FINAL WHERE cursor_key = {k:String}', {
              k: `detect:${c.chain_id}`,
            });
            if (Number(r[0]?.block ?? 0) < c.block) return false;
          }
          return true;
        });
        // Wall-clock silence is scaled like the bound (default 180 s, here 3 s): tickAfter / 60.
        const tickAfter = x.s.tickAfter;
        if (tickAfter !== undefined) await new Promise((r) => setTimeout(r, (tickAfter * 1000) / 60 + 300));
        else if (last.length === 0) await new Promise((r) => setTimeout(r, 500));
        attribute(x, 'bus', alerts, arrived, sent, lastSent);
        log(`bus ${x.s.name}: ${results.at(-1)!.alerts.length} alert(s)`);
      }
    } finally {
      await daemon.stop();
    }
  }
  return results;
}
