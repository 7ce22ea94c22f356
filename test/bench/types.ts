// Shape of one benchmark row, shared by every benchmark module and the runner (main.ts).

/** One measured number with its target (when the issue sets one). */
export interface BenchRow {
  /** Dotted name, e.g. `decode.mixwatch`. */
  name: string;
  value: number;
  unit: string;
  /** Human target, e.g. `>= 500000`; empty when the number is informational. */
  target?: string;
  /** true = meets the target, false = misses it, undefined = no target. */
  pass?: boolean;
  notes?: string;
}
