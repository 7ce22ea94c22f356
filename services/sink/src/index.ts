import { type BusRecord, TOPICS } from '@mixwatch/bus';
import { type Alert, type DeadLetter, type FlowMessage, stableId } from '@mixwatch/core';
import type { RoleContext, RoleHandle } from '@mixwatch/runtime';
import { alertToRow, chTime, deadLetterToRow, flowToRow } from '@mixwatch/store';

type Checkpoint = Extract<FlowMessage, { type: 'checkpoint' }>;
type Heartbeat = Extract<FlowMessage, { type: 'heartbeat' }>;

/**
 * The sink role: writes flows, alerts and dead letters into ClickHouse. One insert per bus
 * batch (the bus hands over whatever accumulated while the previous insert ran, so batches grow
 * with load), with a deduplication token derived from the batch content, so a retried insert is
 * a no-op. A batch's checkpoints advance the cursors only after its flows are written, and the
 * handler resolves (= offsets commit) only after both: nothing acknowledged is ever lost.
 * Retractions are applied in stream order: flows before them are written first.
 */
export async function startSink(ctx: RoleContext): Promise<RoleHandle> {
  const { store, bus, common } = ctx;
  let lastError = '';
  let lastOk = Date.now();
  // Insert deduplication tokens: only a ClickHouse server uses them (the embedded store relies on
  // ReplacingMergeTree alone), so the flow ids they hash are collected only there.
  const tokens = store.kind === 'http';

  async function writeFlows(rows: Record<string, unknown>[], ids: string[]) {
    if (rows.length === 0) return;
    // The token covers every (flow id, block hash): a retried batch is dropped by the server, while
    // the same flows re-published after a reorg (other block hash) are a different insert.
    await store.insert('flows', rows, tokens ? { dedupToken: `flows:${stableId(...ids)}` } : {});
  }

  async function writeCheckpoints(checkpoints: Map<string, Checkpoint>) {
    for (const [cursorKey, c] of checkpoints) {
      if (c.blocks.length && !c.cursor_key) await store.saveBlocks(c.chain_id, c.blocks);
      await store.saveCursor({
        cursor_key: cursorKey,
        chain: c.chain,
        chain_id: c.chain_id,
        block: c.block,
        hash: c.hash,
        block_time: c.block_time,
      });
      if (!c.cursor_key) common.metrics.sinkCursor.set({ chain: c.chain }, c.block);
      if (c.published_at) common.metrics.pipelineLatency.observe({ chain: c.chain }, Math.max(0, Date.now() - c.published_at) / 1000);
    }
    checkpoints.clear();
  }

  async function handleFlows(records: BusRecord<FlowMessage>[]) {
    let rows: Record<string, unknown>[] = [];
    let ids: string[] = [];
    const checkpoints = new Map<string, Checkpoint>();
    const heartbeats = new Map<number, Heartbeat>();
    for (const { value: m } of records) {
      switch (m.type) {
        case 'flow':
          rows.push(flowToRow(m.flow));
          if (tokens) ids.push(`${m.flow.flow_id}@${m.flow.block_hash}`);
          break;
        case 'checkpoint': {
          // The last checkpoint of a cursor in the batch moves it; the block hashes of every
          // range in the batch are kept (reorg detection after a restart walks back over them).
          const key = m.cursor_key ?? `live:${m.chain_id}`;
          const previous = checkpoints.get(key);
          checkpoints.set(key, previous?.blocks.length ? { ...m, blocks: [...previous.blocks, ...m.blocks] } : m);
          break;
        }
        case 'retract':
          await writeFlows(rows, ids);
          await writeCheckpoints(checkpoints);
          rows = [];
          ids = [];
          await store.retractAfter(m.chain_id, m.after_block);
          common.logger.warn({ chain: m.chain, block_number: m.after_block, reason: m.reason }, 'retracted flows above block');
          break;
        case 'heartbeat':
          heartbeats.set(m.chain_id, m);
          break;
      }
    }
    await writeFlows(rows, ids);
    await writeCheckpoints(checkpoints);
    if (heartbeats.size) {
      await store.insert(
        'chain_status',
        [...heartbeats.values()].map((h) => ({
          chain: h.chain,
          chain_id: h.chain_id,
          head: h.head,
          cursor: h.cursor,
          cursor_time: h.cursor_time,
          rpc_failures: h.rpc_failures,
          last_error: h.last_error,
          at: chTime(h.at),
        })),
      );
    }
  }

  const guard =
    <T>(fn: (r: BusRecord<T>[]) => Promise<void>) =>
    async (r: BusRecord<T>[]) => {
      try {
        await fn(r);
        lastOk = Date.now();
        lastError = '';
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        throw error;
      }
    };

  await bus.subscribe(TOPICS.flows, 'sink', guard(handleFlows), { maxBatch: 50_000 });
  await bus.subscribe(
    TOPICS.alerts,
    'sink',
    guard(async (records: BusRecord<Alert>[]) => {
      await store.insert(
        'alerts',
        records.map((r) => alertToRow(r.value)),
      );
    }),
  );
  await bus.subscribe(
    TOPICS.dlq,
    'sink',
    guard(async (records: BusRecord<DeadLetter>[]) => {
      await store.insert(
        'dlq',
        records.map((r) => deadLetterToRow(r.value)),
      );
    }),
  );
  return {
    name: 'sink',
    health() {
      if (lastError && Date.now() - lastOk > 30_000)
        return { ready: false, detail: `store writes failing for ${Math.round((Date.now() - lastOk) / 1000)} s: ${lastError}` };
      return { ready: true };
    },
    async stop() {
      // Consumers are stopped by bus.close(), after their current batch.
    },
  };
}
