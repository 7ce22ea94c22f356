import { formatAddress, getChain } from '@mixwatch/chain';
import { type Alert, type Flow, type FlowMessage, type RuleName, type Severity, stableId } from '@mixwatch/core';
import { type Label, LabelIndex, labelKey } from '@mixwatch/labels';
import { allContracts, type ContractEntry } from '@mixwatch/registry';
import {
  type DetectConfig,
  type DetectOutput,
  evidenceOf,
  type FlowEvidence,
  type Heuristic,
  type Taint,
  type TaintVia,
  units,
} from './types.ts';

/** Options of {@link createDetector}. */
export interface CreateDetectorParameters {
  config: DetectConfig;
  labels: LabelIndex | Label[];
  /** Registry contracts (pool denominations, service addresses). Default: the built-in registry. */
  contracts?: ContractEntry[];
  /**
   * Chains the daemon ingests. A tainted bridge departure towards a chain outside this list can
   * never be paired, so it alerts at departure. Default: every chain counts as watched.
   */
  watchedChains?: string[];
  /** Clock for `created_at` (ms). Default `Date.now`. Never part of an alert id. */
  now?: () => number;
}

interface Deposit {
  flow: Flow;
  actor: string;
  /** Taint of the depositor when it deposited (0 = clean). */
  taint: Taint | undefined;
  matched: boolean;
}

interface Lot {
  flow: Flow;
  actor: string;
  related: string[];
}

interface Withdrawal {
  flow: Flow;
  score: number;
  heuristics: Heuristic[];
  pool: string;
}

interface PeelLink {
  rootFlow: string;
  root: string;
  hops: number;
  path: string[];
  flows: FlowEvidence[];
  received: bigint;
  token: string;
  time: number;
  tainted: boolean;
}

interface Seen {
  chain: string;
  block: number;
  time: number;
  /** Mixer and bridge flows feed 30-day windows; the rest only short ones. */
  long: boolean;
}

interface HealthState {
  chain: string;
  lastAt: number;
  head: number;
  cursor: number;
  cursorTime: number;
  cursorSince: number;
  rpcFailures: number;
  lastError: string;
  open: Map<string, string>;
}

const MIXER_IN = new Set(['deposit', 'shield']);
const MIXER_OUT = new Set(['withdrawal', 'unshield']);
const DAY = 86_400;

/**
 * The detector: every rule of ARCHITECTURE §4 over the flow stream, with the taint graph, bridge
 * leg pairing and mixer linking heuristics as in-memory state (loaded from ClickHouse at start,
 * written back as rows by the role). It is deterministic: the same messages in the same order
 * give the same alerts (ids from {@link stableId} over the rule and the evidence identity, never
 * the processing time) and the same rows. A flow seen twice (at-least-once bus) is ignored.
 */
export class Detector {
  readonly config: DetectConfig;
  readonly labels: LabelIndex;
  private readonly now: () => number;
  private readonly watchedChains: Set<string> | undefined;
  /** contract address key → entry (all chains; EVM key lowercase). */
  private readonly contracts = new Map<string, ContractEntry>();
  /** `${chain}|${token}|${raw}` of the largest denomination per chain and token. */
  private readonly topDenominations = new Set<string>();

  readonly taint = new Map<string, Taint>();
  private readonly seen = new Map<string, Seen>();
  private readonly chainIds = new Map<string, number>();
  private latest = 0;
  private readonly pools = new Map<string, Deposit[]>();
  private readonly withdrawals = new Map<string, Withdrawal[]>();
  private readonly deposits24 = new Map<string, Array<{ pool: string; amount: string; time: number }>>();
  private readonly links = new Map<string, Set<string>>();
  private readonly firstSeen = new Map<string, { time: number; funder: string; flow: string }>();
  private readonly lots = new Map<string, Lot[]>();
  private readonly burstAlerted = new Map<string, Set<string>>();
  private readonly pendingOut = new LegIndex();
  private readonly pendingIn = new LegIndex();
  private readonly peel = new Map<string, PeelLink>();
  private readonly peelAlerted = new Set<string>();
  private readonly balances = new Map<string, bigint>();
  private readonly serviceDays = new Map<string, Map<number, { total: number; tainted: number; category: string }>>();
  private readonly health = new Map<string, HealthState>();
  /** Token symbol of the flow that tainted each address (stablecoin_exit fires where taint first enters the exit asset). */
  private readonly taintedIn = new Map<string, string>();
  /** Pairing counters (for the pairing-rate metric). */
  readonly pairing = { departures: 0, paired: 0 };

  constructor(parameters: CreateDetectorParameters) {
    this.config = parameters.config;
    this.labels = parameters.labels instanceof LabelIndex ? parameters.labels : new LabelIndex(parameters.labels);
    this.now = parameters.now ?? Date.now;
    this.watchedChains = parameters.watchedChains ? new Set(parameters.watchedChains) : undefined;
    const top = new Map<string, bigint>();
    for (const c of parameters.contracts ?? allContracts()) {
      const k = labelKey(c.chain === 'tron' ? (c.addressBase58 ?? c.address) : c.address);
      if (k) this.contracts.set(k, c);
      if (c.category === 'mixer' && c.denomination) {
        const token = c.denomination.token === 'native' ? 'native' : c.denomination.token.address;
        const tk = `${c.chain}|${token}`;
        const raw = BigInt(c.denomination.raw);
        if ((top.get(tk) ?? 0n) < raw) top.set(tk, raw);
      }
    }
    for (const [k, raw] of top) this.topDenominations.add(`${k}|${raw}`);
  }

  // ---- state access -------------------------------------------------------------------------

  /** The taint of an address (labels first), or undefined. Does not apply `minScore`. */
  taintOf(address: string): Taint | undefined {
    const k = labelKey(address);
    if (!k) return undefined;
    const label = this.labels.taintSource(k);
    if (label) {
      return {
        address: k,
        chain: label.chain,
        score: 1,
        hops: 0,
        origin: k,
        origin_label: label.label,
        path: [k],
        via: 'label',
        heuristic: '',
        flow_id: '',
        tx_hash: '',
        block_time: 0,
        flow_chain_id: 0,
        block_number: 0,
      };
    }
    return this.taint.get(k);
  }

  /** Tainted above `taint.minScore`. */
  tainted(address: string): Taint | undefined {
    const t = this.taintOf(address);
    return t && t.score >= this.config.taint.minScore ? t : undefined;
  }

  /** Seeds persisted taint (at start). */
  loadTaint(rows: Taint[]): void {
    for (const t of rows) {
      const k = labelKey(t.address);
      if (!k) continue;
      const prev = this.taint.get(k);
      if (!prev || better(t, prev)) this.taint.set(k, { ...t, address: k });
    }
  }

  /** Seeds balances of tainted holders (at start): key chain|token|address, raw units. */
  loadBalance(chain: string, token: string, address: string, raw: bigint): void {
    this.balances.set(`${chain}|${token}|${address}`, raw);
  }

  /** Seeds a service's daily counts (at start). `day` = unix seconds / 86400, floored. */
  loadServiceDay(service: string, category: string, day: number, total: number, tainted: number): void {
    const days = this.serviceDays.get(service) ?? new Map();
    days.set(day, { total, tainted, category });
    this.serviceDays.set(service, days);
  }

  /** True when this flow id was already handled. */
  hasSeen(flowId: string): boolean {
    return this.seen.has(flowId);
  }

  // ---- replicas sharing the partitions (detect.replicas.mode = partitions) ---------------------

  /**
   * A bridge arrival another replica handles (read from the store): pending here, so that a
   * departure of this replica pairs with it. Ignored when this replica handled it itself.
   */
  addForeignArrival(flow: Flow): void {
    if (this.seen.has(flow.flow_id)) return;
    this.pendingIn.add(flow);
  }

  /** This replica's departures still waiting for their arrival. */
  pendingDepartures(): Flow[] {
    return this.pendingOut.values();
  }

  /** This replica's arrivals still waiting for their departure. */
  pendingArrivals(): Flow[] {
    return this.pendingIn.values().filter((f) => this.seen.has(f.flow_id));
  }

  /**
   * Forgets pending legs already paired (their ids are in `bridge_pairs`): arrivals another replica
   * paired, departures restored from the store with their pair row.
   */
  dropPaired(ids: Iterable<string>): void {
    for (const id of ids) {
      this.pendingIn.delete(id);
      this.pendingOut.delete(id);
    }
  }

  /**
   * Pairs pending departures with the arrivals added since they were handled (foreign ones read
   * from the store), exactly as if the arrival had come after them: same rows, same alert ids.
   */
  retryDepartures(): DetectOutput {
    const out: DetectOutput = { alerts: [], taint: [], taintFlows: [], pairs: [] };
    for (const o of this.pendingOut.values()) {
      const match = this.findArrival(o);
      if (match) this.pair(o, match.flow, match.method, match.confidence, out);
    }
    return out;
  }

  /**
   * Day counts of the services on the chains other replicas handle (read from the store),
   * added to this replica's own counts by `service_consistency`. Replaces the previous ones.
   */
  setForeignServiceDays(rows: Array<{ service: string; day: number; total: number; tainted: number }>): void {
    this.foreignDays.clear();
    for (const r of rows) {
      const days = this.foreignDays.get(r.service) ?? new Map<number, { total: number; tainted: number }>();
      days.set(r.day, { total: r.total, tainted: r.tainted });
      this.foreignDays.set(r.service, days);
    }
  }
  private readonly foreignDays = new Map<string, Map<number, { total: number; tainted: number }>>();

  // ---- entry points ---------------------------------------------------------------------------

  /** Handles one message of `mixwatch.flows.v1`. */
  process(message: FlowMessage): DetectOutput {
    const out: DetectOutput = { alerts: [], taint: [], taintFlows: [], pairs: [] };
    switch (message.type) {
      case 'flow':
        this.onFlow(message.flow, out);
        break;
      case 'heartbeat':
        this.onHeartbeat(message, out);
        break;
      case 'retract':
        this.onRetract(message.chain, message.after_block);
        break;
      case 'checkpoint':
        break;
    }
    return out;
  }

  /**
   * Wall-clock check of `pipeline_health` silence: a chain whose heartbeats stopped. Call it on a
   * timer (`pipelineHealth.checkIntervalMs`).
   */
  tick(nowMs: number = this.now()): Alert[] {
    const alerts: Alert[] = [];
    const cfg = this.config.rules.pipelineHealth;
    for (const h of this.health.values()) {
      const silentFor = (nowMs - h.lastAt) / 1000;
      if (silentFor > cfg.silenceSec) {
        this.openHealth(h, 'silent', alerts, 'critical', `${h.chain}: no heartbeat from the ingest for ${Math.round(silentFor)} s`, {
          last_heartbeat_at: h.lastAt,
          silent_seconds: Math.round(silentFor),
          bound_seconds: cfg.silenceSec,
        });
      }
    }
    return alerts;
  }

  // ---- flows ----------------------------------------------------------------------------------

  private onFlow(flow: Flow, out: DetectOutput): void {
    if (this.seen.has(flow.flow_id)) return;
    this.chainIds.set(flow.chain, flow.chain_id);
    this.seen.set(flow.flow_id, {
      chain: flow.chain,
      block: flow.block_number,
      time: flow.block_time,
      long: flow.category === 'mixer' || flow.category === 'bridge',
    });
    if (flow.block_time > this.latest) {
      this.latest = flow.block_time;
      this.prune();
    }
    const a = flow.action;
    if (MIXER_IN.has(a) && flow.category === 'mixer') this.onMixerIn(flow, out);
    else if (MIXER_OUT.has(a) && flow.category === 'mixer') this.onMixerOut(flow, out);
    else if (a === 'bridge_out') this.onBridgeOut(flow, out);
    else if (a === 'bridge_in') this.onBridgeIn(flow, out);
    else if (a === 'transfer') this.onTransfer(flow, out);
    else if (a === 'freeze' || a === 'unfreeze' || a === 'destroy') this.onIssuerAction(flow, out);
    this.countService(flow, out);
  }

  private actorOf(flow: Flow): string {
    return labelKey(flow.from_address) ?? labelKey(flow.tx_from) ?? flow.from_address;
  }

  /** The stronger taint of the flow's sender and the tx sender. */
  private senderTaint(flow: Flow): Taint | undefined {
    const a = this.tainted(flow.from_address);
    const b = flow.tx_from && flow.tx_from !== flow.from_address ? this.tainted(flow.tx_from) : undefined;
    if (a && b) return better(a, b) ? a : b;
    return a ?? b;
  }

  private isService(address: string): boolean {
    const k = labelKey(address);
    if (!k) return true;
    return this.contracts.has(k) || !!this.labels.service(k);
  }

  /**
   * Taints `address` from `source` through `flow`. Services (registry contracts, labelled
   * exchanges/OTC/swap services) never become tainted: their other users would be.
   */
  private propagate(address: string, source: Taint, flow: Flow, score: number, via: TaintVia, heuristic: string, out: DetectOutput) {
    const k = labelKey(address);
    if (!k || this.isService(k) || this.labels.taintSource(k)) return;
    const hops = source.hops + 1;
    if (hops > this.config.taint.maxHops || score < this.config.taint.minScore) return;
    const t: Taint = {
      address: k,
      chain: via === 'bridge_pair' || via === 'bridge_out' ? flowChainOf(flow, via) : flow.chain,
      score: round(score),
      hops,
      origin: source.origin,
      origin_label: source.origin_label,
      path: [...source.path, k],
      via,
      heuristic,
      flow_id: flow.flow_id,
      tx_hash: flow.tx_hash,
      block_time: flow.block_time,
      flow_chain_id: flow.chain_id,
      block_number: flow.block_number,
    };
    const prev = this.taint.get(k);
    if (prev && !better(t, prev)) return;
    this.taint.set(k, t);
    this.taintedIn.set(k, flow.token_symbol);
    out.taint.push(t);
  }

  private noteFirstSeen(address: string, funder: string, flow: Flow): void {
    const k = labelKey(address);
    if (!k || this.firstSeen.has(k)) return;
    this.firstSeen.set(k, { time: flow.block_time, funder: labelKey(funder) ?? funder, flow: flow.flow_id });
  }

  private link(a: string, b: string): void {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const s = this.links.get(x) ?? new Set<string>();
      if (s.size < 256) s.add(y);
      this.links.set(x, s);
    }
  }

  private recordTaintFlow(flow: Flow, address: string, role: 'sender' | 'recipient', t: Taint, out: DetectOutput, service?: Label) {
    const svc = service;
    out.taintFlows.push({
      flow_id: flow.flow_id,
      address: labelKey(address) ?? address,
      role,
      chain: flow.chain,
      chain_id: flow.chain_id,
      block_number: flow.block_number,
      block_time: flow.block_time,
      tx_hash: flow.tx_hash,
      // Plain transfers have no service unless the counterparty is a labelled one (an exchange…).
      service: svc ? shortLabel(svc.label) : flow.action === 'transfer' ? '' : flow.service,
      service_category: svc ? svc.category : flow.action === 'transfer' ? '' : flow.category,
      action: flow.action,
      token: flow.token,
      token_symbol: flow.token_symbol,
      amount: flow.amount,
      decimals: flow.decimals,
      score: t.score,
      hops: t.hops,
    });
  }

  // ---- mixers ---------------------------------------------------------------------------------

  private poolKey(flow: Flow): string {
    return `${flow.chain}|${flow.contract}|${flow.token}`;
  }

  private onMixerIn(flow: Flow, out: DetectOutput): void {
    const actor = this.actorOf(flow);
    const t = this.senderTaint(flow);
    const pool = this.poolKey(flow);
    const list = this.pools.get(pool) ?? [];
    list.push({ flow, actor, taint: t, matched: false });
    this.pools.set(pool, list);
    const d24 = this.deposits24.get(actor) ?? [];
    d24.push({ pool, amount: flow.amount, time: flow.block_time });
    this.deposits24.set(actor, d24);

    if (t) {
      this.recordTaintFlow(flow, actor, 'sender', t, out);
      const labelled = t.hops === 0;
      const severity: Severity = labelled ? 'critical' : t.score >= 0.8 ? 'high' : 'medium';
      this.alert(out, 'sanctioned_mixer_deposit', severity, flow, actor, [flow.flow_id], {
        title: `${labelled ? 'Labelled' : 'Tainted'} address ${short(actor)} ${flow.action === 'shield' ? 'shielded' : 'deposited'} ${fmt(flow)} into ${flow.service}`,
        details: {
          flows: [evidenceOf(flow)],
          tx_hashes: [flow.tx_hash],
          addresses: [actor],
          depositor: actor,
          pool: flow.contract,
          label: labelled ? t.origin_label : undefined,
          taint: taintEvidence(t),
          hops: t.hops,
          confidence: t.score,
          heuristic: labelled ? 'label' : `taint via ${t.via}`,
        },
      });
    }
    this.checkBurst(flow, actor, t, out);
  }

  private checkBurst(flow: Flow, actor: string, t: Taint | undefined, out: DetectOutput): void {
    if (!this.topDenominations.has(`${flow.chain}|${flow.token}|${flow.amount}`)) return;
    const cfg = this.config.rules.denominationBurst;
    const pool = this.poolKey(flow);
    const lots = (this.lots.get(pool) ?? []).filter(
      (l) => l.flow.block_time > flow.block_time - cfg.windowSec && l.flow.block_time <= flow.block_time,
    );
    const related: string[] = [];
    if (t) related.push(`tainted (${t.via === 'label' ? t.origin_label.slice(0, 60) : `score ${t.score}`})`);
    const seen = this.firstSeen.get(actor);
    if (seen && flow.block_time - seen.time <= cfg.freshSec) {
      related.push(`freshly funded by ${short(seen.funder)} ${Math.round((flow.block_time - seen.time) / 60)} min earlier`);
      for (const l of lots) {
        const other = this.firstSeen.get(l.actor);
        if (other && other.funder === seen.funder && l.actor !== actor) {
          related.push(`common funder ${short(seen.funder)} with ${short(l.actor)}`);
          if (!l.related.some((r) => r.startsWith('common funder')))
            l.related.push(`common funder ${short(seen.funder)} with ${short(actor)}`);
          break;
        }
      }
    }
    lots.push({ flow, actor, related });
    this.lots.set(pool, lots);
    if (lots.length < cfg.minLots) return;
    const gaps = lots.slice(1).map((l, i) => l.flow.block_time - lots[i]!.flow.block_time);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    const cv = mean > 0 ? sd / mean : 0;
    const relatedLots = lots.filter((l) => l.related.length > 0).length;
    const share = relatedLots / lots.length;
    const scripted = cv <= cfg.maxCadenceCv;
    if (!scripted) return;
    if (share < cfg.minRelatedShare && lots.length < 2 * cfg.minLots) return;
    const alerted = this.burstAlerted.get(pool) ?? new Set<string>();
    if (lots.some((l) => alerted.has(l.flow.flow_id))) {
      for (const l of lots) alerted.add(l.flow.flow_id);
      return;
    }
    for (const l of lots) alerted.add(l.flow.flow_id);
    this.burstAlerted.set(pool, alerted);
    const first = lots[0]!;
    const anyTainted = lots.some((l) => l.related.some((r) => r.startsWith('tainted')));
    const confidence = round(Math.min(1, 0.5 * (1 - Math.min(1, cv)) + 0.5 * share));
    this.alert(out, 'denomination_burst', anyTainted ? 'high' : 'medium', flow, actor, [this.poolKey(flow), first.flow.flow_id], {
      title: `${lots.length} lots of ${fmt(flow)} into ${flow.service} ${short(flow.contract)} within ${Math.round((flow.block_time - first.flow.block_time) / 60)} min (every ${Math.round(mean / 60)} min)`,
      details: {
        flows: lots.map((l) => evidenceOf(l.flow)),
        tx_hashes: lots.map((l) => l.flow.tx_hash),
        addresses: [...new Set(lots.map((l) => l.actor))],
        pool: flow.contract,
        lots: lots.length,
        window: { from: first.flow.block_time, to: flow.block_time, seconds: cfg.windowSec },
        cadence: { mean_gap_s: Math.round(mean), cv: round(cv) },
        related_share: round(share),
        related: lots.filter((l) => l.related.length).map((l) => ({ address: l.actor, why: l.related })),
        heuristic: share >= cfg.minRelatedShare ? 'scripted cadence + related/fresh depositors' : 'scripted cadence, large burst',
        confidence,
      },
    });
  }

  private onMixerOut(flow: Flow, out: DetectOutput): void {
    const recipient = labelKey(flow.to_address) ?? flow.to_address;
    const pool = this.poolKey(flow);
    // The anonymity set is relative to this withdrawal's time, not to the newest flow seen:
    // backfills and slow chains deliver older flows after newer ones.
    const win = this.config.mixer.anonymityWindowSec;
    const minScore = this.config.taint.minScore;
    // One pass, no copies: the anonymity set size, its tainted members, the oldest unmatched.
    const deposits: Deposit[] = [];
    const taintedDeposits: Deposit[] = [];
    let oldest: Deposit | undefined;
    for (const d of this.pools.get(pool) ?? []) {
      if (d.flow.block_time > flow.block_time || flow.block_time - d.flow.block_time > win) continue;
      deposits.push(d);
      if (d.taint && d.taint.score >= minScore) taintedDeposits.push(d);
      if (!oldest && !d.matched) oldest = d;
    }
    const heuristics: Heuristic[] = [];
    let best: Taint | undefined;
    let score = 0;
    let fifoDeposit: Deposit | undefined;
    // FIFO: every withdrawal consumes the oldest unmatched deposit of the pool.
    if (oldest) {
      oldest.matched = true;
      if (oldest.taint && oldest.taint.score >= minScore && flow.block_time - oldest.flow.block_time <= this.config.mixer.fifoMaxDelaySec) {
        fifoDeposit = oldest;
      }
    }
    if (deposits.length > 0 && taintedDeposits.length > 0) {
      const weighted = taintedDeposits.reduce((s, d) => s + (d.taint?.score ?? 0), 0);
      const anon = weighted / deposits.length;
      best = taintedDeposits.reduce<Taint | undefined>((b, d) => (!b || better(d.taint!, b) ? d.taint : b), undefined);
      score = anon;
      heuristics.push('anonymity_set');
      const match = taintedDeposits.find((d) => d.actor === recipient);
      if (match) {
        heuristics.push('address_match');
        score = Math.max(score, 0.95 * match.taint!.score);
        best = match.taint;
      }
      const linked = taintedDeposits.find((d) => this.links.get(recipient)?.has(d.actor));
      if (linked) {
        heuristics.push('linked_addresses');
        score = Math.max(score, 0.8 * linked.taint!.score);
        best ??= linked.taint;
      }
      const profile = this.multiDenomination(recipient, flow, pool);
      if (profile) {
        heuristics.push('multi_denomination');
        score = Math.max(score, 0.7 * profile.score);
      }
      if (fifoDeposit) {
        heuristics.push('fifo_timing');
        score = Math.max(score, 0.6 * fifoDeposit.taint!.score);
      }
    }
    const w = this.withdrawals.get(recipient) ?? [];
    w.push({ flow, score: round(score), heuristics, pool });
    this.withdrawals.set(recipient, w);
    this.noteFirstSeen(recipient, flow.contract, flow);
    if (best && score >= minScore) {
      const names = heuristics.join(',');
      this.propagate(recipient, best, flow, score, 'mixer', names, out);
    }
    const t = this.tainted(recipient);
    if (t) this.recordTaintFlow(flow, recipient, 'recipient', t, out);
  }

  /**
   * Multi-denomination profile: the recipient's withdrawals within `profileWindowSec` span ≥ 2
   * pools of one service whose denominations all appear among a tainted actor's deposits in the
   * same window before them.
   */
  private multiDenomination(recipient: string, flow: Flow, pool: string): { score: number } | undefined {
    const win = this.config.mixer.profileWindowSec;
    const mine = [...(this.withdrawals.get(recipient) ?? []), { flow, score: 0, heuristics: [], pool }].filter(
      (w) => flow.block_time - w.flow.block_time <= win && w.flow.service === flow.service,
    );
    const amounts = new Set(mine.map((w) => w.flow.amount));
    if (amounts.size < 2) return undefined;
    let bestScore = 0;
    for (const [actor, deps] of this.deposits24) {
      const t = this.tainted(actor);
      if (!t) continue;
      const recent = new Set(deps.filter((d) => flow.block_time - d.time <= 2 * win).map((d) => d.amount));
      if ([...amounts].every((a) => recent.has(a))) bestScore = Math.max(bestScore, t.score);
    }
    return bestScore > 0 ? { score: bestScore } : undefined;
  }

  // ---- bridges --------------------------------------------------------------------------------

  private onBridgeOut(flow: Flow, out: DetectOutput): void {
    this.pairing.departures++;
    const t = this.senderTaint(flow);
    const sender = this.actorOf(flow);
    if (t) this.recordTaintFlow(flow, sender, 'sender', t, out);
    this.checkMixerToBridge(flow, sender, t, out);
    const match = this.findArrival(flow);
    if (match) {
      this.pair(flow, match.flow, match.method, match.confidence, out);
      return;
    }
    this.pendingOut.add(flow);
    const dest = flow.counterparty_chain;
    // Unpaired-at-departure: a known chain we do not ingest, or a foreign one (bitcoin, ronin…);
    // `service:id` counterparties the decoder could not map wait for their arrival instead.
    const unwatched = !!dest && !dest.includes(':') && (getChain(dest) ? !!this.watchedChains && !this.watchedChains.has(dest) : true);
    if (t && unwatched) {
      // The arrival chain is not ingested: the hop can only be reported at departure.
      // A TRON recipient named by an EVM-side event is 20 bytes of hex: key it as base58.
      const recipient = labelKey(
        dest === 'tron' && /^0x[0-9a-f]{40}$/i.test(flow.to_address) ? formatAddress('tron', flow.to_address) : flow.to_address,
      );
      if (recipient && recipient !== labelKey(flow.contract)) this.propagate(recipient, t, flow, t.score, 'bridge_out', '', out);
      this.alert(out, 'tainted_bridge_hop', 'high', flow, sender, [flow.flow_id, 'unpaired'], {
        title: `Tainted ${short(sender)} bridged ${fmt(flow)} via ${flow.service} to ${dest} (not watched: unpaired)`,
        details: {
          flows: [evidenceOf(flow)],
          tx_hashes: [flow.tx_hash],
          addresses: [sender, flow.to_address].filter(Boolean),
          paired: false,
          destination_chain: dest,
          destination_address: flow.to_address,
          taint: taintEvidence(t),
          hops: t.hops + 1,
          heuristic: 'departure to an unwatched chain',
          confidence: t.score,
        },
      });
    }
  }

  private onBridgeIn(flow: Flow, out: DetectOutput): void {
    const recipient = labelKey(flow.to_address) ?? flow.to_address;
    this.noteFirstSeen(recipient, flow.contract, flow);
    const match = this.findDeparture(flow);
    if (match) {
      this.pair(match.flow, flow, match.method, match.confidence, out);
      return;
    }
    this.pendingIn.add(flow);
    this.afterArrival(flow, out);
  }

  /** A tainted recipient of a bridge arrival: record the flow, stablecoin exit, freezable balance. */
  private afterArrival(flow: Flow, out: DetectOutput): void {
    const recipient = labelKey(flow.to_address) ?? flow.to_address;
    const t = this.tainted(recipient);
    if (!t) return;
    this.recordTaintFlow(flow, recipient, 'recipient', t, out);
    this.stablecoinExit(flow, recipient, t, out, 'recipient');
    this.freezable(flow, out);
  }

  private amountFits(outAmount: string, inAmount: string): boolean {
    try {
      const o = BigInt(outAmount);
      const i = BigInt(inAmount);
      const floor = o - (o * BigInt(Math.round(this.config.bridge.feeTolerance * 1_000_000))) / 1_000_000n;
      return i <= o && i >= floor;
    } catch {
      return false;
    }
  }

  private legsFit(o: Flow, i: Flow): boolean {
    if (o.service !== i.service || o.chain === i.chain) return false;
    // Counterparties a decoder could not map to our chain names (`allbridge:5`) do not constrain.
    if (getChain(o.counterparty_chain) && o.counterparty_chain !== i.chain) return false;
    if (getChain(i.counterparty_chain) && i.counterparty_chain !== o.chain) return false;
    return true;
  }

  private findArrival(o: Flow): { flow: Flow; method: 'ref' | 'amount_time'; confidence: number } | undefined {
    if (o.bridge_ref) {
      for (const i of this.pendingIn.byRef(o)) {
        if (this.legsFit(o, i)) return { flow: i, method: 'ref', confidence: 1 };
      }
      return undefined;
    }
    const c = this.pendingIn
      .byToken(o)
      .filter(
        (i) =>
          !i.bridge_ref &&
          this.legsFit(o, i) &&
          i.token_symbol === o.token_symbol &&
          this.amountFits(o.amount, i.amount) &&
          i.block_time >= o.block_time &&
          i.block_time - o.block_time <= this.config.bridge.pairWindowSec,
      );
    if (c.length === 0) return undefined;
    return { flow: c[0]!, method: 'amount_time', confidence: round(1 / c.length) };
  }

  private findDeparture(i: Flow): { flow: Flow; method: 'ref' | 'amount_time'; confidence: number } | undefined {
    if (i.bridge_ref) {
      for (const o of this.pendingOut.byRef(i)) {
        if (this.legsFit(o, i)) return { flow: o, method: 'ref', confidence: 1 };
      }
      return undefined;
    }
    const c = this.pendingOut
      .byToken(i)
      .filter(
        (o) =>
          !o.bridge_ref &&
          this.legsFit(o, i) &&
          i.token_symbol === o.token_symbol &&
          this.amountFits(o.amount, i.amount) &&
          i.block_time >= o.block_time &&
          i.block_time - o.block_time <= this.config.bridge.pairWindowSec,
      );
    if (c.length === 0) return undefined;
    // Oldest departure first (bridges settle in order); confidence shares the ambiguity.
    return { flow: c[0]!, method: 'amount_time', confidence: round(1 / c.length) };
  }

  private pair(o: Flow, i: Flow, method: 'ref' | 'amount_time', confidence: number, out: DetectOutput): void {
    this.pendingOut.delete(o.flow_id);
    this.pendingIn.delete(i.flow_id);
    this.pairing.paired++;
    const t = this.senderTaint(o);
    const sender = this.actorOf(o);
    const recipient = labelKey(i.to_address) ?? i.to_address;
    out.pairs.push({
      out_flow_id: o.flow_id,
      in_flow_id: i.flow_id,
      service: o.service,
      method,
      confidence,
      out_chain: o.chain,
      in_chain: i.chain,
      out_address: sender,
      in_address: recipient,
      bridge_ref: o.bridge_ref || i.bridge_ref,
      token_symbol: o.token_symbol,
      out_amount: o.amount,
      in_amount: i.amount,
      out_time: o.block_time,
      in_time: i.block_time,
      tainted: t ? 1 : 0,
      out_chain_id: o.chain_id,
      out_block: o.block_number,
      in_chain_id: i.chain_id,
      in_block: i.block_number,
    });
    if (!t) {
      this.afterArrival(i, out);
      return;
    }
    this.propagate(recipient, t, i, t.score * confidence, 'bridge_pair', method, out);
    this.alert(out, 'tainted_bridge_hop', t.score * confidence >= 0.8 ? 'high' : 'medium', i, recipient, [o.flow_id, i.flow_id], {
      title: `Tainted ${short(sender)} bridged ${fmt(o)} ${o.chain} → ${i.chain} via ${o.service}; ${short(recipient)} is now tainted`,
      details: {
        flows: [evidenceOf(o), evidenceOf(i)],
        tx_hashes: [o.tx_hash, i.tx_hash],
        addresses: [sender, recipient],
        paired: true,
        pairing: { method, confidence, bridge_ref: o.bridge_ref || i.bridge_ref, delay_s: i.block_time - o.block_time },
        taint: taintEvidence(t),
        hops: t.hops + 1,
        path: [...t.path, recipient],
        heuristic: method === 'ref' ? "bridge's own message id" : 'amount, token and time window',
        confidence: round(t.score * confidence),
      },
    });
    this.afterArrival(i, out);
  }

  private checkMixerToBridge(flow: Flow, sender: string, t: Taint | undefined, out: DetectOutput): void {
    const cfg = this.config.rules.mixerToBridge;
    const ws = (this.withdrawals.get(sender) ?? []).filter(
      (w) => flow.block_time >= w.flow.block_time && flow.block_time - w.flow.block_time <= cfg.windowSec,
    );
    if (ws.length === 0) return;
    const minScore = this.config.taint.minScore;
    const taintedW = ws.filter((w) => w.score >= minScore);
    if (cfg.requireTaint && taintedW.length === 0 && !t) return;
    const w = (taintedW.length ? taintedW : ws).sort((a, b) => b.score - a.score)[0]!;
    const confidence = round(Math.max(w.score, t?.score ?? 0));
    this.alert(out, 'mixer_to_bridge', confidence >= 0.5 ? 'high' : 'medium', flow, sender, [flow.flow_id], {
      title: `${short(sender)} withdrew from ${w.flow.service} and bridged ${fmt(flow)} via ${flow.service} to ${flow.counterparty_chain || '?'} ${Math.round((flow.block_time - w.flow.block_time) / 60)} min later`,
      details: {
        flows: [evidenceOf(w.flow), evidenceOf(flow)],
        tx_hashes: [w.flow.tx_hash, flow.tx_hash],
        addresses: [sender],
        window: { from: w.flow.block_time, to: flow.block_time, seconds: cfg.windowSec },
        withdrawal_heuristics: w.heuristics,
        heuristic: w.heuristics.length ? w.heuristics.join(',') : 'withdrawal recipient',
        taint: t ? taintEvidence(t) : undefined,
        hops: t?.hops,
        destination_chain: flow.counterparty_chain,
        confidence,
      },
    });
  }

  // ---- transfers ------------------------------------------------------------------------------

  private onTransfer(flow: Flow, out: DetectOutput): void {
    const from = labelKey(flow.from_address) ?? flow.from_address;
    const to = labelKey(flow.to_address) ?? flow.to_address;
    const native = flow.token === 'native';
    const t = this.tainted(from);
    const toBefore = this.tainted(to);
    const fresh = !this.firstSeen.has(to) && !this.taint.has(to) && !this.labels.get(to).length;
    this.noteFirstSeen(to, from, flow);
    if (t || toBefore || this.withdrawals.has(from) || this.withdrawals.has(to) || this.deposits24.has(from) || this.deposits24.has(to)) {
      this.link(from, to);
    }
    const dust = native ? this.config.taint.dustNative : this.config.taint.dustStablecoin;
    const amount = units(flow.amount, flow.decimals);
    const svc = this.labels.service(to);
    if (t) {
      this.recordTaintFlow(flow, from, 'sender', t, out, svc);
      if (amount >= dust) this.propagate(to, t, flow, t.score, native ? 'native_transfer' : 'transfer', '', out);
    }
    const tAfter = this.tainted(to);
    if (tAfter && !t) this.recordTaintFlow(flow, to, 'recipient', tAfter, out, this.labels.service(from));
    else if (tAfter && t && tAfter !== t) this.recordTaintFlow(flow, to, 'recipient', tAfter, out);
    // Value sent by a tainted address in USDT/USDD is tainted value in the exit asset; value sent
    // *to* a tainted address by a clean one is not (and is how dusting would spam this rule).
    if (t && amount >= dust) this.stablecoinExit(flow, to, t, out, 'sender');
    this.freezable(flow, out);
    this.peelChain(flow, from, to, t, fresh, out);
  }

  private stablecoinExit(flow: Flow, holder: string, t: Taint | undefined, out: DetectOutput, side: 'sender' | 'recipient'): void {
    if (!t) return;
    const symbols = this.config.rules.stablecoinExit.symbols;
    if (!symbols.includes(flow.token_symbol)) return;
    // Already in the exit asset: a tainted USDT holder passing USDT on is not a new exit.
    if (side === 'sender' && t.hops > 0 && symbols.includes(this.taintedIn.get(this.actorOf(flow)) ?? '')) return;
    const svc = this.labels.service(holder);
    const cashOut = svc && (svc.category === 'exchange' || svc.category === 'otc');
    const day = Math.floor(flow.block_time / DAY);
    const who = side === 'sender' ? this.actorOf(flow) : holder;
    this.alert(
      out,
      'stablecoin_exit',
      cashOut || flow.chain === 'tron' ? 'critical' : 'high',
      flow,
      who,
      [flow.chain, who, flow.token, day],
      {
        title: `Tainted value reached ${flow.token_symbol} on ${flow.chain}: ${fmt(flow)} ${side === 'sender' ? `from ${short(who)} to ${short(holder)}` : `to ${short(holder)}`}${cashOut ? ` (${svc!.category} ${shortLabel(svc!.label)})` : ''}`,
        details: {
          flows: [evidenceOf(flow)],
          tx_hashes: [flow.tx_hash],
          addresses: [who, holder],
          holder,
          counterparty_service: svc ? { label: svc.label, category: svc.category, source: svc.source } : undefined,
          taint: taintEvidence(t),
          hops: t.hops,
          window: { from: day * DAY, to: (day + 1) * DAY, seconds: DAY },
          heuristic: 'one alert per address, token and UTC day',
          confidence: t.score,
        },
      },
    );
  }

  private freezable(flow: Flow, out: DetectOutput): void {
    const cfg = this.config.rules.freezableExposure;
    if (!cfg.symbols.includes(flow.token_symbol)) return;
    let amount: bigint;
    try {
      amount = BigInt(flow.amount);
    } catch {
      return;
    }
    const min = BigInt(Math.round(cfg.minBalance)) * 10n ** BigInt(flow.decimals);
    const from = labelKey(flow.from_address);
    const to = labelKey(flow.to_address);
    if (from && flow.action === 'transfer' && this.tainted(from)) {
      const k = `${flow.chain}|${flow.token}|${from}`;
      const b = (this.balances.get(k) ?? 0n) - amount;
      this.balances.set(k, b < 0n ? 0n : b);
    }
    const t = to ? this.tainted(to) : undefined;
    if (!to || !t || this.isService(to)) return;
    const k = `${flow.chain}|${flow.token}|${to}`;
    const before = this.balances.get(k) ?? 0n;
    const after = before + amount;
    this.balances.set(k, after);
    if (before >= min || after < min) return;
    this.alert(out, 'freezable_exposure', 'high', flow, to, [flow.flow_id, to], {
      title: `Tainted ${short(to)} holds ≥ ${cfg.minBalance.toLocaleString('en-US')} ${flow.token_symbol} on ${flow.chain}: ask the issuer to freeze`,
      details: {
        flows: [evidenceOf(flow)],
        tx_hashes: [flow.tx_hash],
        addresses: [to],
        holder: to,
        token: flow.token,
        token_symbol: flow.token_symbol,
        observed_balance: after.toString(),
        observed_balance_units: units(after.toString(), flow.decimals),
        threshold_units: cfg.minBalance,
        taint: taintEvidence(t),
        hops: t.hops,
        heuristic: 'balance observed since the address was tainted (sum of seen inflows minus outflows)',
        confidence: t.score,
      },
    });
  }

  private peelChain(flow: Flow, from: string, to: string, t: Taint | undefined, fresh: boolean, out: DetectOutput): void {
    const cfg = this.config.rules.peelChain;
    let amount: bigint;
    try {
      amount = BigInt(flow.amount);
    } catch {
      return;
    }
    if (!fresh || this.isService(to)) return;
    const prev = this.peel.get(from);
    let link: PeelLink | undefined;
    if (prev && prev.token === flow.token && flow.block_time - prev.time <= cfg.maxHopDelaySec) {
      if (amount * 1_000_000n >= prev.received * BigInt(Math.round(cfg.minForwardRatio * 1_000_000))) {
        link = {
          ...prev,
          hops: prev.hops + 1,
          path: [...prev.path, to],
          flows: [...prev.flows, evidenceOf(flow)],
          received: amount,
          time: flow.block_time,
        };
      }
    } else if (!prev && (t || !cfg.requireTaint)) {
      link = {
        rootFlow: flow.flow_id,
        root: from,
        hops: 1,
        path: [from, to],
        flows: [evidenceOf(flow)],
        received: amount,
        token: flow.token,
        time: flow.block_time,
        tainted: !!t,
      };
    }
    if (!link) return;
    this.peel.set(to, link);
    if (link.hops < cfg.minHops || this.peelAlerted.has(link.rootFlow)) return;
    this.peelAlerted.add(link.rootFlow);
    const rootTaint = this.tainted(link.root);
    this.alert(out, 'peel_chain', link.tainted ? 'high' : 'medium', flow, to, [link.rootFlow], {
      title: `Peel chain of ${link.hops} fresh addresses from ${short(link.root)} forwarding ${flow.token_symbol} (now at ${short(to)})`,
      details: {
        flows: link.flows,
        tx_hashes: link.flows.map((f) => f.tx_hash),
        addresses: link.path,
        hops: link.hops,
        path: link.path,
        window: { from: link.flows[0]!.block_time, to: flow.block_time, seconds: cfg.maxHopDelaySec },
        taint: rootTaint ? taintEvidence(rootTaint) : undefined,
        heuristic: `each fresh address forwarded ≥ ${cfg.minForwardRatio * 100}% of what it received within ${cfg.maxHopDelaySec / 3600} h`,
        confidence: round(Math.min(1, 0.5 + 0.1 * link.hops) * (link.tainted ? 1 : 0.6)),
      },
    });
  }

  // ---- issuers --------------------------------------------------------------------------------

  private onIssuerAction(flow: Flow, out: DetectOutput): void {
    const holder = labelKey(flow.from_address) ?? flow.from_address;
    const t = this.taintOf(holder);
    const watched = (t && t.score >= this.config.taint.minScore) || this.labels.get(holder).length > 0;
    if (!watched) return;
    const verb = flow.action === 'freeze' ? 'froze' : flow.action === 'unfreeze' ? 'unfroze' : 'destroyed the funds of';
    this.alert(out, 'issuer_freeze', flow.action === 'unfreeze' ? 'high' : 'medium', flow, holder, [flow.flow_id], {
      title: `${flow.token_symbol} issuer ${verb} watched ${short(holder)} on ${flow.chain}${flow.action === 'destroy' ? ` (${fmt(flow)})` : ''}`,
      details: {
        flows: [evidenceOf(flow)],
        tx_hashes: [flow.tx_hash],
        addresses: [holder],
        issuer_action: flow.action,
        labels: this.labels.get(holder).map((l) => ({ label: l.label, category: l.category, source: l.source })),
        taint: t ? taintEvidence(t) : undefined,
        hops: t?.hops,
        heuristic: 'issuer event on a watched address',
        confidence: 1,
      },
    });
  }

  // ---- service consistency (Recommendation 11) -----------------------------------------------

  private countService(flow: Flow, out: DetectOutput): void {
    let service = '';
    let category = '';
    let tainted = false;
    if (flow.category === 'mixer' || flow.category === 'bridge' || flow.category === 'swap' || flow.category === 'exchange') {
      service = flow.service;
      category = flow.category;
      const user = MIXER_OUT.has(flow.action) || flow.action === 'bridge_in' ? flow.to_address : flow.from_address;
      tainted = !!this.tainted(user) || (!!flow.tx_from && !!this.tainted(flow.tx_from));
    } else if (flow.action === 'transfer') {
      const svcTo = this.labels.service(flow.to_address);
      const svcFrom = this.labels.service(flow.from_address);
      const svc = svcTo ?? svcFrom;
      if (!svc || svc.category === 'mixer' || svc.category === 'bridge') return;
      service = shortLabel(svc.label);
      category = svc.category;
      tainted = !!this.tainted(svcTo ? flow.from_address : flow.to_address);
    } else return;
    const day = Math.floor(flow.block_time / DAY);
    const days = this.serviceDays.get(service) ?? new Map();
    const d = days.get(day) ?? { total: 0, tainted: 0, category };
    d.total++;
    if (tainted) d.tainted++;
    days.set(day, d);
    this.serviceDays.set(service, days);
    if (!tainted) return;
    const cfg = this.config.rules.serviceConsistency;
    let total = 0;
    let taintedN = 0;
    const active: number[] = [];
    const foreign = this.foreignDays.get(service);
    for (let dd = day - cfg.windowDays + 1; dd <= day; dd++) {
      const v = days.get(dd);
      const f = foreign?.get(dd);
      const t = (v?.tainted ?? 0) + (f?.tainted ?? 0);
      total += (v?.total ?? 0) + (f?.total ?? 0);
      taintedN += t;
      if (t > 0) active.push(dd);
    }
    const share = total ? taintedN / total : 0;
    if (active.length < cfg.minDays || share < cfg.minShare) return;
    const week = Math.floor(day / 7);
    active.sort((a, b) => a - b);
    this.alert(out, 'service_consistency', active.length >= 2 * cfg.minDays ? 'high' : 'medium', flow, '', [service, week], {
      title: `${service} (${category}) used by tainted funds on ${active.length} of the last ${cfg.windowDays} days (${(share * 100).toFixed(1)}% of its flows)`,
      details: {
        service,
        service_category: category,
        flows: [evidenceOf(flow)],
        tx_hashes: [flow.tx_hash],
        addresses: [],
        days_active: active.length,
        active_days: active.map((x) => new Date(x * DAY * 1000).toISOString().slice(0, 10)),
        tainted_flows: taintedN,
        all_flows: total,
        share: round(share),
        window: { from: (day - cfg.windowDays + 1) * DAY, to: (day + 1) * DAY, seconds: cfg.windowDays * DAY },
        heuristic: 'Recommendation 11: days with tainted use in the sliding window; one alert per service and week',
        confidence: round(Math.min(1, active.length / (2 * cfg.minDays))),
        sql: `SELECT * FROM mixwatch.service_usage WHERE service = '${service.replaceAll("'", "''")}'`,
      },
    });
  }

  // ---- pipeline health ------------------------------------------------------------------------

  private onHeartbeat(h: Extract<FlowMessage, { type: 'heartbeat' }>, out: DetectOutput): void {
    const cfg = this.config.rules.pipelineHealth;
    let s = this.health.get(h.chain);
    if (!s) {
      s = {
        chain: h.chain,
        lastAt: h.at,
        head: h.head,
        cursor: h.cursor,
        cursorTime: h.cursor_time,
        cursorSince: h.at,
        rpcFailures: 0,
        lastError: '',
        open: new Map(),
      };
      this.health.set(h.chain, s);
    }
    if (h.at < s.lastAt) return;
    if (h.cursor !== s.cursor) {
      s.cursor = h.cursor;
      s.cursorSince = h.at;
    }
    s.lastAt = h.at;
    s.head = h.head;
    s.cursorTime = h.cursor_time;
    s.rpcFailures = h.rpc_failures;
    s.lastError = h.last_error;
    s.open.delete('silent');
    const base = { head: h.head, cursor: h.cursor, cursor_time: h.cursor_time, rpc_failures: h.rpc_failures, last_error: h.last_error };
    if (h.rpc_failures >= cfg.maxRpcFailures) {
      this.openHealth(s, 'rpc_failures', out.alerts, 'high', `${h.chain}: RPC failing for ${h.rpc_failures} polls in a row`, {
        ...base,
        bound: cfg.maxRpcFailures,
      });
    } else s.open.delete('rpc_failures');
    const blockTime = getChain(h.chain)?.blockTimeSec ?? 12;
    const lagSec = h.head > h.cursor ? (h.head - h.cursor) * blockTime : 0;
    if (h.head > 0 && lagSec > cfg.maxLagSec) {
      this.openHealth(
        s,
        'lag',
        out.alerts,
        'high',
        `${h.chain}: ${h.head - h.cursor} blocks (~${Math.round(lagSec / 60)} min) behind the head`,
        {
          ...base,
          lag_blocks: h.head - h.cursor,
          lag_seconds: Math.round(lagSec),
          bound_seconds: cfg.maxLagSec,
        },
      );
    } else s.open.delete('lag');
    const stalledFor = (h.at - s.cursorSince) / 1000;
    if (h.head > s.cursor && stalledFor > cfg.stallSec) {
      this.openHealth(
        s,
        'stall',
        out.alerts,
        'high',
        `${h.chain}: cursor stuck at block ${s.cursor} for ${Math.round(stalledFor)} s while the head moves`,
        {
          ...base,
          stalled_seconds: Math.round(stalledFor),
          bound_seconds: cfg.stallSec,
        },
      );
    } else s.open.delete('stall');
  }

  private openHealth(s: HealthState, kind: string, alerts: Alert[], severity: Severity, title: string, evidence: Record<string, unknown>) {
    if (s.open.has(kind)) return;
    // Identity: the outage (chain, kind, the cursor it began at), so redelivery and repeated
    // heartbeats of the same outage give the same alert id.
    const id = stableId('pipeline_health', s.chain, kind, s.cursor);
    s.open.set(kind, id);
    const alert: Alert = {
      alert_id: id,
      rule: 'pipeline_health',
      severity,
      chain: s.chain,
      block_time: s.cursorTime,
      tx_hash: '',
      address: '',
      service: 'mixwatch',
      amount: '0',
      title,
      details: withEvidenceDefaults('pipeline_health', { condition: kind, ...evidence, heuristic: kind, confidence: 1 }, s.cursorTime),
      created_at: this.now(),
    };
    alerts.push(alert);
  }

  // ---- reorgs ---------------------------------------------------------------------------------

  /**
   * A reorg orphaned blocks `> afterBlock` of `chain`: the flows there are forgotten (so their
   * re-published replacements are handled afresh) and dropped from every window and pending
   * bridge leg; taint they created is removed. Returns the orphaned flow ids (the role deletes
   * their rows). Alerts already raised stay: they describe what the chain showed at the time; the
   * re-mined flows raise the same ids again when identical.
   */
  onRetract(chain: string, afterBlock: number): string[] {
    const gone = new Set<string>();
    for (const [id, s] of this.seen) if (s.chain === chain && s.block > afterBlock) gone.add(id);
    for (const id of gone) this.seen.delete(id);
    const keep = (f: Flow) => !gone.has(f.flow_id);
    for (const [k, list] of this.pools)
      this.pools.set(
        k,
        list.filter((d) => keep(d.flow)),
      );
    for (const [k, list] of this.lots)
      this.lots.set(
        k,
        list.filter((l) => keep(l.flow)),
      );
    for (const [k, list] of this.withdrawals)
      this.withdrawals.set(
        k,
        list.filter((w) => keep(w.flow)),
      );
    for (const id of gone) {
      this.pendingOut.delete(id);
      this.pendingIn.delete(id);
    }
    const chainId = this.chainIds.get(chain);
    for (const [k, t] of this.taint) {
      if (gone.has(t.flow_id) || (chainId !== undefined && t.flow_chain_id === chainId && t.block_number > afterBlock))
        this.taint.delete(k);
    }
    this.lastRetracted = [...gone];
    return this.lastRetracted;
  }

  /** Flow ids orphaned by the last retraction. */
  lastRetracted: string[] = [];

  // ---- housekeeping ---------------------------------------------------------------------------

  private prune(): void {
    const t = this.latest;
    const anon = t - this.config.mixer.anonymityWindowSec;
    const short = t - Math.max(this.config.rules.mixerToBridge.windowSec, this.config.mixer.profileWindowSec * 2, 7 * DAY);
    // Pruning walks every window: do it once per 6 h of block time (windows are filtered by time
    // where they are read, so a late prune only costs memory).
    if (t - this.lastPrune < 6 * 3_600) return;
    this.lastPrune = t;
    for (const [k, list] of this.pools) {
      const l = list.filter((d) => d.flow.block_time > anon);
      if (l.length) this.pools.set(k, l);
      else this.pools.delete(k);
    }
    for (const [k, list] of this.withdrawals) {
      const l = list.filter((w) => w.flow.block_time > short);
      if (l.length) this.withdrawals.set(k, l);
      else this.withdrawals.delete(k);
    }
    for (const [k, list] of this.deposits24) {
      const l = list.filter((d) => d.time > short);
      if (l.length) this.deposits24.set(k, l);
      else this.deposits24.delete(k);
    }
    // "Fresh" = not seen within the freshness/peel windows: bounded memory with stablecoinScope all.
    const recent = t - this.recentWindowSec();
    for (const [k, v] of this.firstSeen) if (v.time < recent) this.firstSeen.delete(k);
    for (const [k, v] of this.peel) if (v.time < recent) this.peel.delete(k);
    for (const legs of [this.pendingOut, this.pendingIn])
      for (const f of legs.values())
        if (f.block_time < (f.bridge_ref ? anon : t - this.config.bridge.pairWindowSec)) legs.delete(f.flow_id);
    // As long as the longest window: a flow redelivered while its window is open must not count twice.
    for (const [k, s] of this.seen) if (s.time < (s.long ? anon : recent)) this.seen.delete(k);
    const oldestDay = Math.floor(t / DAY) - 95;
    for (const days of this.serviceDays.values()) for (const d of days.keys()) if (d < oldestDay) days.delete(d);
    for (const [k, list] of this.lots) {
      const l = list.filter((x) => x.flow.block_time > t - this.config.rules.denominationBurst.windowSec);
      if (l.length) this.lots.set(k, l);
      else {
        this.lots.delete(k);
        this.burstAlerted.delete(k);
      }
    }
  }
  private lastPrune = 0;

  /** Window of first-seen addresses, peel runs and non-mixer/bridge flow ids (≥ 2 days). */
  recentWindowSec(): number {
    return Math.max(this.config.rules.denominationBurst.freshSec, this.config.rules.peelChain.maxHopDelaySec, 2 * DAY);
  }

  // ---- alerts ---------------------------------------------------------------------------------

  private alert(
    out: DetectOutput,
    rule: RuleName,
    severity: Severity,
    flow: Flow,
    address: string,
    identity: Array<string | number>,
    body: { title: string; details: Record<string, unknown> },
  ): void {
    const alert_id = stableId(rule, ...identity);
    if (out.alerts.some((a) => a.alert_id === alert_id)) return;
    out.alerts.push({
      alert_id,
      rule,
      severity,
      chain: flow.chain,
      block_time: flow.block_time,
      tx_hash: flow.tx_hash,
      address,
      service: flow.service,
      amount: flow.amount,
      title: body.title,
      details: withEvidenceDefaults(rule, body.details, flow.block_time),
      created_at: this.now(),
    });
  }
}

/** Every alert's details carry the same evidence keys (null/empty where a rule has none). */
function withEvidenceDefaults(rule: RuleName, d: Record<string, unknown>, at: number): Record<string, unknown> {
  return {
    rule,
    flows: [],
    tx_hashes: [],
    addresses: [],
    hops: null,
    window: { from: at, to: at, seconds: 0 },
    ...Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)),
  };
}

/**
 * Pending bridge legs indexed by (service, bridge_ref) and by (service, token symbol), so pairing
 * is a map lookup, not a scan of every pending leg of every bridge.
 */
class LegIndex {
  private readonly byId = new Map<string, Flow>();
  private readonly refs = new Map<string, Set<string>>();
  private readonly tokens = new Map<string, Set<string>>();

  private static refKey(f: Flow) {
    return `${f.service}|${f.bridge_ref}`;
  }
  private static tokenKey(f: Flow) {
    return `${f.service}|${f.token_symbol}`;
  }
  private static put(m: Map<string, Set<string>>, k: string, id: string) {
    const s = m.get(k) ?? new Set<string>();
    s.add(id);
    m.set(k, s);
  }
  private static drop(m: Map<string, Set<string>>, k: string, id: string) {
    const s = m.get(k);
    if (!s) return;
    s.delete(id);
    if (s.size === 0) m.delete(k);
  }

  add(f: Flow): void {
    this.byId.set(f.flow_id, f);
    if (f.bridge_ref) LegIndex.put(this.refs, LegIndex.refKey(f), f.flow_id);
    else LegIndex.put(this.tokens, LegIndex.tokenKey(f), f.flow_id);
  }

  delete(id: string): void {
    const f = this.byId.get(id);
    if (!f) return;
    this.byId.delete(id);
    if (f.bridge_ref) LegIndex.drop(this.refs, LegIndex.refKey(f), id);
    else LegIndex.drop(this.tokens, LegIndex.tokenKey(f), id);
  }

  /** Pending legs with the same service and bridge_ref as `f`. */
  byRef(f: Flow): Flow[] {
    return [...(this.refs.get(LegIndex.refKey(f)) ?? [])].map((id) => this.byId.get(id)!);
  }

  /** Pending ref-less legs with the same service and token symbol as `f`, oldest first. */
  byToken(f: Flow): Flow[] {
    return [...(this.tokens.get(LegIndex.tokenKey(f)) ?? [])].map((id) => this.byId.get(id)!);
  }

  values(): Flow[] {
    return [...this.byId.values()];
  }
}

/** Builds a {@link Detector}. */
export function createDetector(parameters: CreateDetectorParameters): Detector {
  return new Detector(parameters);
}

function better(a: Taint, b: Taint): boolean {
  return a.score > b.score || (a.score === b.score && a.hops < b.hops);
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function short(a: string): string {
  return a.length > 14 ? `${a.slice(0, 8)}…${a.slice(-4)}` : a;
}

function shortLabel(label: string): string {
  return label.split(' || ')[0]!.slice(0, 80);
}

function fmt(f: Flow): string {
  const u = units(f.amount, f.decimals);
  return `${u.toLocaleString('en-US', { maximumFractionDigits: 4 })} ${f.token_symbol}`;
}

function flowChainOf(flow: Flow, via: TaintVia): string {
  return via === 'bridge_out' ? flow.counterparty_chain || flow.chain : flow.chain;
}

function taintEvidence(t: Taint): Record<string, unknown> {
  return {
    score: t.score,
    hops: t.hops,
    origin: t.origin,
    origin_label: t.origin_label,
    path: t.path,
    via: t.via,
    heuristic: t.heuristic || undefined,
    tainted_by_flow: t.flow_id || undefined,
  };
}
