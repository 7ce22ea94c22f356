import { type Common, describeError, sleep } from '@mixwatch/core';
import type { BatchHandler, Bus, BusRecord, SubscribeOptions, TopicName, TopicPayloads } from './topics.ts';

/** Options of {@link createMemoryBus}. */
export interface MemoryBusParameters {
  common: Common;
  /** Records a group may have waiting before `publish` blocks (backpressure). Default 100_000. */
  capacity?: number;
}

interface Group {
  name: string;
  queue: BusRecord<unknown>[];
  head: number;
  handler: BatchHandler<unknown>;
  maxBatch: number;
  wake: (() => void) | undefined;
  drained: Array<() => void>;
  done: Promise<void>;
}

/**
 * The in-process bus of the embedded default: one FIFO queue per (topic, group), so order
 * holds for every key. `publish` waits while any group of the topic holds `capacity`
 * records. A handler that throws gets the same batch again after a backoff (at-least-once);
 * handlers route bad items to the DLQ themselves instead of throwing.
 */
export function createMemoryBus(parameters: MemoryBusParameters): Bus {
  const { common } = parameters;
  const capacity = parameters.capacity ?? 100_000;
  const topics = new Map<string, Group[]>();
  /** Topics whose groups stop once drained; closed in pipeline order so late alerts are still handled. */
  const closing = new Set<string>();

  const pending = (g: Group) => g.queue.length - g.head;

  async function runGroup(topic: string, g: Group) {
    let failures = 0;
    while (true) {
      if (pending(g) === 0) {
        for (const d of g.drained.splice(0)) d();
        if (closing.has(topic)) return;
        await new Promise<void>((resolve) => {
          g.wake = resolve;
        });
        g.wake = undefined;
        continue;
      }
      const end = Math.min(g.queue.length, g.head + g.maxBatch);
      const batch = g.queue.slice(g.head, end);
      try {
        await g.handler(batch);
        failures = 0;
        // Let go of the handled records now, not at the next compaction: they die young instead
        // of piling up (up to 65 536 of them) in V8's old space.
        g.queue.fill(undefined as unknown as BusRecord<unknown>, g.head, end);
        g.head = end;
        common.metrics.busConsumed.inc({ topic, group: g.name }, batch.length);
        if (g.head > 65_536 && g.head * 2 > g.queue.length) {
          g.queue = g.queue.slice(g.head);
          g.head = 0;
        }
        common.metrics.busLag.set({ topic, group: g.name }, pending(g));
        for (const d of g.drained.splice(0)) d();
      } catch (error) {
        failures++;
        const delay = Math.min(30_000, 100 * 2 ** Math.min(failures, 9));
        common.logger.error(
          { topic, group: g.name, err: describeError(error), retry_in_ms: delay },
          'consumer failed; batch will be retried',
        );
        if (closing.has(topic) && failures > 3) return;
        await sleep(delay).catch(() => {});
      }
    }
  }

  return {
    kind: 'memory',
    async publish<N extends TopicName>(topic: N, records: BusRecord<TopicPayloads[N]>[]) {
      if (records.length === 0) return;
      const groups = topics.get(topic) ?? [];
      for (const g of groups) {
        while (pending(g) >= capacity) {
          await new Promise<void>((resolve) => g.drained.push(resolve));
        }
      }
      for (const g of groups) {
        for (const r of records) g.queue.push(r);
        g.wake?.();
      }
      common.metrics.busPublished.inc({ topic }, records.length);
    },
    async subscribe<N extends TopicName>(topic: N, group: string, handler: BatchHandler<TopicPayloads[N]>, options: SubscribeOptions = {}) {
      const groups = topics.get(topic) ?? [];
      if (groups.some((g) => g.name === group)) throw new Error(`group ${group} already subscribed to ${topic}`);
      const g: Group = {
        name: group,
        queue: [],
        head: 0,
        handler: handler as BatchHandler<unknown>,
        maxBatch: options.maxBatch ?? 10_000,
        wake: undefined,
        drained: [],
        done: Promise.resolve(),
      };
      g.done = runGroup(topic, g);
      groups.push(g);
      topics.set(topic, groups);
    },
    async close() {
      const order = ['mixwatch.flows.v1', 'mixwatch.alerts.v1', 'mixwatch.dlq.v1'];
      const names = [...order, ...[...topics.keys()].filter((t) => !order.includes(t))];
      for (const topic of names) {
        closing.add(topic);
        const groups = topics.get(topic) ?? [];
        for (const g of groups) g.wake?.();
        await Promise.all(groups.map((g) => g.done));
      }
    },
  };
}
