import type { Store } from '@mixwatch/store';
import { type Label, type LabelCategory, mergeLabels } from './labels.ts';

/**
 * Writes labels to `mixwatch.labels` (ReplacingMergeTree keyed by address, chain, category):
 * loading the same labels again changes nothing, a changed label or source replaces the row.
 * Issues one `INSERT INTO mixwatch.labels FORMAT JSONEachRow` per 10 000 rows. Returns the rows written.
 */
export async function saveLabels(store: Store, labels: Label[]): Promise<number> {
  const rows = mergeLabels(labels);
  for (let i = 0; i < rows.length; i += 10_000) {
    await store.insert('labels', rows.slice(i, i + 10_000) as unknown as Record<string, unknown>[]);
  }
  return rows.length;
}

/** Every label in the store: `SELECT … FROM mixwatch.labels FINAL`. */
export async function readStoredLabels(store: Store): Promise<Label[]> {
  const rows = await store.query<Label>('SELECT address, chain, label, category, source FROM mixwatch.labels FINAL');
  return rows.map((r) => ({ ...r, category: r.category as LabelCategory }));
}
