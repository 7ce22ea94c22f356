import * as chainPkg from '@mixwatch/chain';

/**
 * Address presentation per chain: identity for EVM chains; base58 `T…` for TRON (decoders keep
 * emitting 0x-hex, this turns them into what users see on Tronscan).
 */
export function addressFormatter(format: 'evm' | 'tron'): (hex: string) => string {
  if (format === 'evm') return (a) => a;
  const fmt = (chainPkg as { formatAddress?: (f: 'evm' | 'tron', hex: string) => string }).formatAddress;
  if (!fmt) throw new Error('TRON address formatting is not available (packages/chain/src/tron.ts)');
  return (a) => (a.startsWith('0x') && a.length === 42 ? fmt('tron', a) : a);
}
