import { DecodeError } from '@mixwatch/core';
import { sha256 } from 'viem';

// TRON addresses are 21 bytes (0x41 + the 20-byte EVM-style account) shown as Base58Check:
// base58(bytes21 ‖ sha256(sha256(bytes21))[0..4]). Base58 is written here (30 lines) rather than
// adding a dependency: viem has sha256 but no base58, and none of the installed packages export it.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));
const HEX20 = /^[0-9a-fA-F]{40}$/;

function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload, 'bytes'), 'bytes').slice(0, 4);
}

function base58Encode(bytes: Uint8Array): string {
  let n = BigInt(`0x${bytesToHex(bytes) || '0'}`);
  let s = '';
  while (n > 0n) {
    s = ALPHABET[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) s = `1${s}`;
  return s;
}

function base58Decode(s: string): Uint8Array {
  let n = 0n;
  for (const c of s) {
    const v = INDEX.get(c);
    if (v === undefined) throw new DecodeError(`TRON address ${JSON.stringify(s)}: '${c}' is not a base58 character`);
    n = n * 58n + v;
  }
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  return hexToBytes('00'.repeat(zeros) + hex);
}

/**
 * TRON hex address → base58 `T…`. Accepts `0x` + 20 bytes (the form in TRON `eth_getLogs`
 * topics and data) or `41` + 20 bytes (TRON's own hex form), any case.
 * Throws `DecodeError` on anything else.
 */
export function tronHexToBase58(hex: string): string {
  let body: string;
  if (hex.length === 42 && (hex.startsWith('0x') || hex.startsWith('0X'))) body = hex.slice(2);
  else if (hex.length === 42 && hex.startsWith('41')) body = hex.slice(2);
  else throw new DecodeError(`TRON address ${JSON.stringify(hex)}: expected 0x + 20 bytes or 41 + 20 bytes`);
  if (!HEX20.test(body)) throw new DecodeError(`TRON address ${JSON.stringify(hex)}: not hex`);
  const payload = hexToBytes(`41${body}`);
  const full = new Uint8Array(25);
  full.set(payload, 0);
  full.set(checksum(payload), 21);
  return base58Encode(full);
}

/**
 * TRON base58 `T…` → `0x` + 20 bytes, lowercase (the form the decoders and the registry use).
 * Throws `DecodeError` when the string is not base58, not 25 bytes, lacks the 0x41 prefix, or
 * its 4-byte checksum does not match.
 */
export function tronBase58ToHex(b58: string): string {
  const bytes = base58Decode(b58);
  if (bytes.length !== 25) throw new DecodeError(`TRON address ${JSON.stringify(b58)}: decodes to ${bytes.length} bytes, expected 25`);
  if (bytes[0] !== 0x41) throw new DecodeError(`TRON address ${JSON.stringify(b58)}: prefix byte is not 0x41`);
  const payload = bytes.slice(0, 21);
  const sum = checksum(payload);
  for (let i = 0; i < 4; i++) {
    if (sum[i] !== bytes[21 + i]) throw new DecodeError(`TRON address ${JSON.stringify(b58)}: bad checksum`);
  }
  return `0x${bytesToHex(payload.slice(1))}`;
}

/**
 * Formats an address for users and the `flows` table: `evm` → lowercase `0x…`; `tron` → base58
 * `T…`. Empty strings and the `native` token marker pass through unchanged, so the ingest can
 * call it on every address column (from/to/tx_from/contract/token).
 */
export function formatAddress(format: 'evm' | 'tron', hex: string): string {
  if (hex === '' || hex === 'native') return hex;
  if (format === 'evm') return hex.toLowerCase();
  return tronHexToBase58(hex);
}
