import { createHash } from 'node:crypto';

/** The deterministic flow id: `${chainId}:${txHash}:${logIndex}:${subIndex}`. */
export function flowId(chainId: number, txHash: string, logIndex: number, subIndex = 0): string {
  return `${chainId}:${txHash}:${logIndex}:${subIndex}`;
}

/** A short stable hash (hex) of the parts: deterministic ids for alerts and dead letters. */
export function stableId(...parts: Array<string | number | bigint>): string {
  return createHash('sha256').update(parts.map(String).join('\u001f')).digest('hex').slice(0, 32);
}
