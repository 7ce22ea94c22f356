import { type Assignment, type BusRecord, TOPICS } from '@mixwatch/bus';
import { getChain } from '@mixwatch/chain';
import { type Alert, describeError, type Flow, type FlowMessage } from '@mixwatch/core';
import { builtinLabels, LabelIndex, labelKey, readLabelsFile, readStoredLabels, saveLabels } from '@mixwatch/labels';
import type { RoleContext, RoleHandle } from '@mixwatch/runtime';
import { createDetector } from './engine.ts';
import {
  awaitStoredFlows,
  deleteDerived,
  foreignArrivals,
  loadState,
  pairedLegs,
  serviceDayCounts,
  storeBehind,
  storedTaintOf,
  writeOutput,
} from './persist.ts';
import type { DetectOutput } from './types.ts';

/** Prefix of the detect cursors in `mixwatch.cursors`: `detect:<chain_id>` = last checkpoint handled. */
export const DETECT_CURSOR_PREFIX = 'detect:';

/**
 * The detect role. At start: loads the shipped labels plus `labels.files` into `mixwatch.labels`
 * (idempotent), reads every label back (user imports included), waits until the store holds the
 * flows detect already handled ({@link awaitStoredFlows}), restores taint and windows from
 * ClickHouse ({@link loadState}), then subscribes to `mixwatch.flows.v1` as group `detect`.
 * Per batch: runs every rule, writes taint/taint_flows/bridge_pairs, publishes alerts on
 * `mixwatch.alerts.v1`, advances `detect:<chain_id>` cursors on checkpoints — and only then
 * resolves (commit). A crash anywhere before that redelivers the batch: rows and alert ids are
 * deterministic, so nothing is doubled. Retractions delete the rows derived from orphaned flows.
 * A timer checks heartbeat silence (`pipeline_health`).
 */
export async function startDetect(ctx: RoleContext): Promise<RoleHandle> {
  const { config, common, bus, store } = ctx;
  const log = common.logger.child({ role: 'detect' });

  const shipped = builtinLabels();
  const extra = config.labels.files.flatMap((f) => readLabelsFile(f));
  await saveLabels(store, [...shipped, ...extra]);
  let labels = new LabelIndex(await readStoredLabels(store));
  log.info({ labels: labels.size, taint_sources: labels.taintSources().length }, 'labels loaded');

  const newDetector = () => createDetector({ config: config.detect, labels, watchedChains: Object.keys(config.chains) });
  let detector = newDetector();

  const cursors = new Map<number, number>();
  /** Watched chain name → chain id. */
  const chainIdOf = new Map(Object.entries(config.chains).map(([name, c]) => [name, c.chainId ?? getChain(name)?.chainId ?? 0]));
  const chainIds = [...chainIdOf.values()];

  // Replicas sharing the flows partitions (detect.replicas.mode = partitions, Kafka): `own` = the
  // chains whose partitions this replica holds (flows are keyed by chain id). Undefined = all
  // chains (standby mode, the in-process bus, or a sharing replica that holds every partition).
  const sharing = config.detect.replicas.mode === 'partitions' && bus.kind === 'kafka';
  let own: Set<number> | undefined;
  /** Some watched chain is handled by another replica: cross-chain state goes through the store. */
  const shared = () => !!own && chainIds.some((id) => !own!.has(id));
  /** A departure whose arrival another replica may handle (a watched chain not ours, or one the decoder could not name). */
  const crossesOut = (f: Flow) => {
    const dest = f.counterparty_chain;
    if (!dest) return false;
    const id = chainIdOf.get(dest);
    if (id !== undefined) return !own!.has(id);
    return !getChain(dest);
  };
  /** The detect cursors in the store: chain id → last checkpoint block handled. */
  async function storedCursors(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const id of chainIds) {
      // A replica sharing the partitions answers for its own chains only.
      if (own && !own.has(id)) continue;
      const c = await store.getCursor(`${DETECT_CURSOR_PREFIX}${id}`);
      if (c) out.set(id, c.block);
    }
    return out;
  }
  async function readCursors(): Promise<void> {
    cursors.clear();
    for (const [id, block] of await storedCursors()) cursors.set(id, block);
  }
  await readCursors();

  async function publish(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const unique = [...new Map(alerts.map((a) => [a.alert_id, a])).values()];
    await bus.publish(
      TOPICS.alerts,
      unique.map((a) => ({ key: a.alert_id, value: a })),
    );
    for (const a of unique) common.metrics.alerts.inc({ rule: a.rule, severity: a.severity, chain: a.chain });
  }

  let labelSources = labels.taintSources().length;
  function observe(): void {
    common.metrics.taintedAddresses.set(detector.taint.size + labelSources);
    common.metrics.bridgeDepartures.set(detector.pairing.departures);
    common.metrics.bridgePaired.set(detector.pairing.paired);
    common.metrics.bridgePairingRatio.set(detector.pairing.departures ? detector.pairing.paired / detector.pairing.departures : 0);
  }

  // Restoring needs the flows detect already handled in the store. With Kafka the sink commits
  // independently of detect and may be behind it after a crash (a sink restarted with detect also
  // needs its group join first); in the embedded mode the sink gets them again only once ingest
  // runs, which starts after this role. So when the store is behind, the role subscribes at once
  // and restores in the background; batches wait for it. Otherwise (the usual case) it restores
  // before subscribing, and a store that fails here fails the start.
  let restored = false;
  /** Block time (unix s) of the newest flow this replica handled or restored. */
  let newestFlow = 0;
  let restoring: Promise<void> | undefined;
  const stopping = new AbortController();
  const signal = AbortSignal.any([common.signal, stopping.signal]);
  async function restoreState(): Promise<void> {
    const started = performance.now();
    const waited = await awaitStoredFlows({ store, cursors, logger: log, signal });
    if (signal.aborted) throw new Error('detect is stopping');
    const loaded = await loadState(
      store,
      detector,
      cursors,
      async (_flow, out) => {
        await writeOutput(store, out);
        await publish(out.alerts);
      },
      own && shared() ? own : undefined,
    );
    if (loaded.latest > newestFlow) newestFlow = loaded.latest;
    if (shared()) {
      await refreshForeignDays();
      // Departures this replica (or the previous holder) paired with another replica's arrival
      // and committed: not pending again. Those above the detect cursor stay: a crash may have
      // come between the pair row and its alerts, and pairing them again gives the same ids.
      const handled = detector.pendingDepartures().filter((f) => f.block_number <= (cursors.get(f.chain_id) ?? -1));
      const paired = new Set(
        await pairedLegs(
          store,
          'out',
          handled.map((f) => f.flow_id),
        ),
      );
      detector.dropPaired(paired);
    }
    observe();
    restored = true;
    log.info({ ...loaded, waited, duration_ms: Math.round(performance.now() - started) }, 'detection state restored');
  }
  /** Set when the next restore must start from a fresh detector (a takeover whose restore failed). */
  let rebuildNext = false;
  async function freshRestore(): Promise<void> {
    rebuildNext = true;
    restored = false;
    labels = new LabelIndex(await readStoredLabels(store));
    labelSources = labels.taintSources().length;
    detector = newDetector();
    await readCursors();
    log.info(
      { cursors: Object.fromEntries(cursors) },
      sharing
        ? 'detect: restoring state from the store for the chains this replica handles now'
        : 'detect: this replica holds the flows partitions now; restoring state from the store',
    );
    await restoreState();
    rebuildNext = false;
  }
  const restore = () =>
    (restoring ??= (rebuildNext ? freshRestore() : restoreState()).catch((error) => {
      restoring = undefined;
      throw error;
    }));

  // Replicas (Kafka): the flows group is exclusive, so one replica holds every partition and the
  // others stand by (the rules correlate across chains: taint, bridge legs, windows, so the work
  // cannot be split by partition). A standby's state is as old as its start; when it takes over it
  // starts afresh from the store, exactly as a restarted detect would: labels, cursors, taint and
  // windows, after the sink wrote what the previous holder handled. The same happens when a holder
  // was out of the group for a while (its consumer restarted) and finds that another replica
  // committed flows offsets (or moved the detect cursors) meanwhile. Batches wait for that.
  let holding: boolean | undefined;
  let stoodBy = false;
  async function movedElsewhere(): Promise<boolean> {
    for (const [id, block] of await storedCursors()) if (block > (cursors.get(id) ?? -1)) return true;
    return false;
  }
  function resync(always: boolean, assignment: Assignment): void {
    const previous = restoring;
    restoring = (async () => {
      await previous?.catch(() => {});
      if (signal.aborted) throw new Error('detect is stopping');
      let moved: boolean;
      try {
        // Another replica committed flows offsets this one has not handled, or moved the detect
        // cursors: its state is not in this replica's memory.
        moved = always || (await assignment.committedElsewhere()) || (await movedElsewhere());
      } catch (error) {
        rebuildNext = true;
        throw error;
      }
      if (moved) await freshRestore();
    })().catch((error) => {
      restoring = undefined;
      throw error;
    });
    restoring.catch((error) => {
      if (!signal.aborted)
        log.error({ err: describeError(error) }, 'detect: restoring state after the takeover failed; retried with the next batch');
    });
  }
  function onAssignment(partitions: number, assignment: Assignment): void {
    common.metrics.detectActive.set(partitions > 0 ? 1 : 0);
    if (sharing) {
      // Another set of chains is another state: rebuild it from the store for the chains now held.
      const next = new Set(chainIds.filter((id) => assignment.owns(String(id))));
      const changed = !own || next.size !== own.size || [...next].some((id) => !own!.has(id));
      own = next;
      common.metrics.detectChains.set(next.size);
      log.info(
        { partitions: assignment.partitions, chains: [...next], shared: shared() },
        next.size
          ? 'detect: handling the chains of these flows partitions'
          : 'detect: idle (holds no flows partition: more replicas than partitions)',
      );
      holding = next.size > 0;
      resync(changed, assignment);
      return;
    }
    if (partitions === 0) {
      if (holding !== false) log.info({}, 'detect: standing by (another detect replica holds the flows partitions)');
      holding = false;
      stoodBy = true;
      return;
    }
    // The first join follows the restore of the start; any later one may follow another holder.
    if (holding !== undefined || stoodBy) resync(stoodBy, assignment);
    holding = true;
    stoodBy = false;
  }
  common.metrics.detectActive.set(bus.kind === 'memory' ? 1 : 0);
  if (sharing) {
    // The chains (and so the state) are known at the first join: the assignment restores.
    log.info({}, 'detect: replicas share the flows partitions (detect.replicas.mode = partitions)');
  } else if (await storeBehind(store, cursors)) {
    log.warn({}, 'detect: the store is behind the flows detect handled; restoring its state once the sink caught up');
    restore().catch((error) => {
      if (!signal.aborted) log.error({ err: describeError(error) }, 'detect: restoring state failed; retried with the next batch');
    });
  } else await restore();

  /**
   * Sharing replicas, before a batch: the taint other replicas found for the batch's addresses
   * (facts no later than the batch's last block), and the unpaired arrivals on their chains of
   * the batch's bridge departures.
   */
  async function syncShared(records: BusRecord<FlowMessage>[]): Promise<void> {
    const addresses = new Set<string>();
    const departures: Flow[] = [];
    let until = 0;
    for (const { value } of records) {
      if (value.type !== 'flow') continue;
      const f = value.flow;
      if (f.block_time > until) until = f.block_time;
      for (const a of [f.from_address, f.to_address, f.tx_from]) {
        const k = a ? labelKey(a) : undefined;
        if (k) addresses.add(k);
      }
      if (f.action === 'bridge_out' && crossesOut(f)) departures.push(f);
    }
    const taint = await storedTaintOf(store, [...addresses]);
    detector.loadTaint(taint.filter((t) => t.block_time <= until));
    for (const f of await foreignArrivals(store, departures, own!, config.detect.bridge.pairWindowSec)) detector.addForeignArrival(f);
  }

  /**
   * Sharing replicas, every `sweepMs`: pairs this replica's pending departures with arrivals other
   * replicas stored since (they may have handled both legs at the same moment), and forgets its
   * pending arrivals that another replica paired.
   */
  async function sweep(): Promise<void> {
    if (!restored || !shared()) return;
    const departures = detector.pendingDepartures().filter(crossesOut);
    if (departures.length > 0) {
      for (const f of await foreignArrivals(store, departures, own!, config.detect.bridge.pairWindowSec)) detector.addForeignArrival(f);
      const out = detector.retryDepartures();
      if (out.pairs.length > 0) {
        // Alerts first: a pair row in the store then means its alerts went out (see restoreState).
        await publish(out.alerts);
        await writeOutput(store, out);
        log.info({ pairs: out.pairs.length, alerts: out.alerts.length }, 'detect: paired departures with arrivals another replica handled');
      }
    }
    const arrivals = detector.pendingArrivals().map((f) => f.flow_id);
    detector.dropPaired(await pairedLegs(store, 'in', arrivals));
    common.metrics.detectSweeps.inc();
    observe();
  }

  /** The other replicas' service day counts in the `service_consistency` window before the newest flow. */
  async function refreshForeignDays(): Promise<void> {
    const sinceDay = Math.max(0, Math.floor(newestFlow / 86_400) - config.detect.rules.serviceConsistency.windowDays - 1);
    detector.setForeignServiceDays(await serviceDayCounts(store, { since: sinceDay * 86_400, chains: { ids: [...own!], exclude: true } }));
  }

  /** Batches, sweeps and service count refreshes run one at a time (a restore may swap the detector). */
  let current: Promise<void> = Promise.resolve();
  function serial(work: () => Promise<void>): Promise<void> {
    const run = current.catch(() => {}).then(work);
    current = run;
    return run;
  }

  async function handle(records: BusRecord<FlowMessage>[]): Promise<void> {
    if (shared()) await syncShared(records);
    let acc: DetectOutput = { alerts: [], taint: [], taintFlows: [], pairs: [] };
    const flush = async () => {
      await writeOutput(store, acc);
      await publish(acc.alerts);
      acc = { alerts: [], taint: [], taintFlows: [], pairs: [] };
    };
    const advanced = new Map<number, { chain: string; block: number; hash: string; time: number }>();
    for (const { value } of records) {
      if (value.type === 'checkpoint') {
        if (value.cursor_key?.startsWith('backfill')) continue;
        advanced.set(value.chain_id, { chain: value.chain, block: value.block, hash: value.hash, time: value.block_time });
        continue;
      }
      if (value.type === 'retract') {
        // In order: what came before the retraction is written, then its derived rows go, then
        // the re-published blocks that follow it are handled afresh.
        await flush();
        detector.onRetract(value.chain, value.after_block);
        await deleteDerived(store, value.chain_id, value.after_block);
        log.warn(
          { chain: value.chain, after_block: value.after_block, orphaned_flows: detector.lastRetracted.length },
          'reorg: derived rows retracted',
        );
        continue;
      }
      if (value.type === 'flow' && value.flow.block_time > newestFlow) newestFlow = value.flow.block_time;
      const out = detector.process(value);
      acc.alerts.push(...out.alerts);
      acc.taint.push(...out.taint);
      acc.taintFlows.push(...out.taintFlows);
      acc.pairs.push(...out.pairs);
    }
    await flush();
    for (const [chainId, c] of advanced) {
      await store.saveCursor({
        cursor_key: `${DETECT_CURSOR_PREFIX}${chainId}`,
        chain: c.chain,
        chain_id: chainId,
        block: c.block,
        hash: c.hash,
        block_time: c.time,
      });
      cursors.set(chainId, c.block);
    }
    observe();
  }

  await bus.subscribe(
    TOPICS.flows,
    'detect',
    async (records) => {
      await restore();
      return serial(() => handle(records));
    },
    { maxBatch: 5_000, exclusive: !sharing, onAssignment },
  );

  let sweepError = '';
  const sweeper = sharing
    ? setInterval(() => {
        // A restore that failed is retried here too, not only when the next batch comes.
        if (!restored) {
          restore().catch(() => {});
          return;
        }
        serial(sweep).then(
          () => {
            sweepError = '';
          },
          (error) => {
            if (sweepError !== describeError(error)) log.warn({ err: describeError(error) }, 'detect: bridge sweep failed; retried');
            sweepError = describeError(error);
          },
        );
      }, config.detect.replicas.sweepMs)
    : undefined;
  sweeper?.unref();
  const dayRefresher = sharing
    ? setInterval(() => {
        if (!restored || !shared()) return;
        serial(refreshForeignDays).catch((error) =>
          log.warn({ err: describeError(error) }, "detect: reading the other replicas' service counts failed; retried"),
        );
      }, config.detect.replicas.serviceRefreshMs)
    : undefined;
  dayRefresher?.unref();

  // Labels imported while the daemon runs (`mixwatch labels import` against a server store).
  const relabel = setInterval(() => {
    readStoredLabels(store)
      .then((rows) => {
        const before = labels.size;
        for (const l of rows) labels.add(l);
        if (labels.size > before) {
          labelSources = labels.taintSources().length;
          log.info({ added: labels.size - before }, 'new labels loaded');
        }
      })
      .catch((error) => log.warn({ err: describeError(error) }, 'labels reload failed; keeping the loaded ones'));
  }, 60_000);
  relabel.unref();

  let lastError = '';
  const timer = setInterval(() => {
    // A standby sees no heartbeats: its silence says nothing about the chains.
    if (holding === false) return;
    publish(detector.tick()).catch((error) => {
      lastError = describeError(error);
      log.error({ err: lastError }, 'pipeline_health silence check failed to publish');
    });
  }, config.detect.rules.pipelineHealth.checkIntervalMs);
  timer.unref();

  return {
    name: 'detect',
    health() {
      if (holding === false)
        return {
          ready: true,
          detail: sharing
            ? 'idle: holds no flows partition (more detect replicas than partitions)'
            : 'standby: another detect replica holds the flows partitions',
        };
      if (!restored) return { ready: false, detail: 'restoring detection state (waiting for the store to hold the flows detect handled)' };
      return lastError ? { ready: true, detail: `last tick error: ${lastError}` } : { ready: true };
    },
    async stop() {
      clearInterval(timer);
      clearInterval(relabel);
      clearInterval(sweeper);
      clearInterval(dayRefresher);
      stopping.abort();
      await restoring?.catch(() => {});
      await current.catch(() => {});
    },
  };
}
