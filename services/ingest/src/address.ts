import { formatAddress } from '@mixwatch/chain';

/**
 * Address presentation per chain: identity for EVM chains; base58 `T…` for TRON (decoders keep
 * emitting 0x-hex, this turns them into what users see on Tronscan).
 */
export function addressFormatter(format: 'evm' | 'tron'): (hex: string) => string {
  if (format === 'evm') return (a) => a;
  return (a) => (a.startsWith('0x') && a.length === 42 ? formatAddress('tron', a) : a);
}
