import { tronBase58ToHex } from '@mixwatch/chain';
import type { Common } from '@mixwatch/core';
import type { Store } from '@mixwatch/store';

/** The watched addresses of one chain, as lowercase 0x-hex (what topics and `tx.from` carry). */
export interface Watchlist {
  /** Current set; refreshed in the background at most every `refreshMs`. */
  get(): Promise<Set<string>>;
}

/**
 * Reads `mixwatch.watched_addresses` (labelled sanctioned/attributed/watchlist addresses and
 * tainted ones, maintained by detect) every `refreshMs` (default 60 s). EVM chains take `0x…`
 * rows; TRON takes `T…` rows converted to hex. An absent view (detect not migrated yet) is an
 * empty set, logged once.
 */
export function createWatchlist(parameters: { common: Common; store: Store; format: 'evm' | 'tron'; refreshMs?: number }): Watchlist {
  const { common, store, format } = parameters;
  const refreshMs = parameters.refreshMs ?? 60_000;
  let current = new Set<string>();
  let loadedAt = 0;
  let warned = false;
  let loading: Promise<void> | undefined;
  const load = async () => {
    try {
      const rows = await store.query<{ address: string }>('SELECT DISTINCT address FROM mixwatch.watched_addresses');
      const next = new Set<string>();
      for (const { address } of rows) {
        if (format === 'evm' && /^0x[0-9a-fA-F]{40}$/.test(address)) next.add(address.toLowerCase());
        else if (format === 'tron' && address.startsWith('T')) {
          try {
            next.add(tronBase58ToHex(address));
          } catch {}
        }
      }
      current = next;
    } catch (error) {
      if (!warned)
        common.logger.warn(
          { err: String((error as Error)?.message ?? error).slice(0, 200) },
          'watched addresses unavailable; treating the watchlist as empty',
        );
      warned = true;
    }
    loadedAt = Date.now();
  };
  return {
    async get() {
      if (Date.now() - loadedAt > refreshMs) {
        loading ??= load().finally(() => {
          loading = undefined;
        });
        if (loadedAt === 0) await loading;
      }
      return current;
    },
  };
}
