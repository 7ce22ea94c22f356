import { DecodeError } from '@mixwatch/core';
import type { RawLog } from './types.ts';

// Hand-written word slicing instead of viem's generic decodeEventLog: these run once per log on
// the hot path, and fixed-offset slicing of the hex string is several times faster (see `npm run
// bench`, decode row). Every accessor checks bounds and throws DecodeError, never returns garbage.

/** Number of 32-byte words in `data`. */
export function wordCount(log: RawLog): number {
  return (log.data.length - 2) >> 6;
}

/** Throws unless the log has exactly `n` topics (topic0 included). */
export function expectTopics(log: RawLog, n: number, event: string): void {
  if (log.topics.length !== n) throw new DecodeError(`${event}: expected ${n} topics, got ${log.topics.length}`);
}

/** Throws unless data holds at least `n` words. */
export function expectWords(log: RawLog, n: number, event: string): void {
  if (log.data.length < 2 + n * 64 || (log.data.length - 2) % 64 !== 0) {
    throw new DecodeError(`${event}: expected at least ${n} data words, got ${((log.data.length - 2) / 64).toFixed(2)}`);
  }
}

/** The i-th data word as 64 hex chars (no 0x). */
export function word(log: RawLog, i: number): string {
  const start = 2 + i * 64;
  if (log.data.length < start + 64) throw new DecodeError(`data word ${i} out of range`);
  return log.data.slice(start, start + 64);
}

const ZERO24 = '0'.repeat(24);
const ZERO51 = '0'.repeat(51);

/** An address from a 32-byte hex word (no 0x), lowercased. Throws if the upper 12 bytes are not zero. */
export function wordToAddress(w: string): string {
  if (w.length !== 64) throw new DecodeError('address word has wrong length');
  if (!w.startsWith(ZERO24)) throw new DecodeError('address word has non-zero upper bytes');
  return `0x${w.slice(24).toLowerCase()}`;
}

/**
 * A small uint word (offsets, lengths, ids, chain ids) as a JS number without BigInt: the upper 51
 * hex digits must be zero (value < 2^52). Returns -1 when it is larger, so callers can fall back.
 */
function smallUint(w: string): number {
  return w.length === 64 && w.startsWith(ZERO51) ? Number.parseInt(w.slice(51), 16) : -1;
}

/** An address as an indexed-topic value: 0x + 12 zero bytes + the address, lowercase. */
export function addressTopic(address: string): string {
  return `0x${address.slice(2).toLowerCase().padStart(64, '0')}`;
}

/**
 * An address from topic i. Reads the topic in place (no intermediate word string): a RawLog's
 * hex is lowercase already (see {@link RawLog}), so no case conversion either.
 */
export function topicAddress(log: RawLog, i: number): string {
  const t = log.topics[i];
  if (t?.length !== 66) throw new DecodeError(`topic ${i} missing or malformed`);
  if (!t.startsWith(ZERO24, 2)) throw new DecodeError('address word has non-zero upper bytes');
  return `0x${t.slice(26)}`;
}

/** A uint from a 64-hex word as a decimal string. */
export function wordToUint(w: string): string {
  const small = smallUint(w);
  return small >= 0 ? String(small) : BigInt(`0x${w}`).toString();
}

/** The word as 0x-prefixed bytes32. */
export function wordToBytes32(w: string): string {
  return `0x${w.toLowerCase()}`;
}

/** Start of data word i in `log.data` (after 0x); throws when the word is out of range. */
function wordStart(log: RawLog, i: number): number {
  const start = 2 + i * 64;
  if (log.data.length < start + 64) throw new DecodeError(`data word ${i} out of range`);
  return start;
}

/** The i-th data word as a uint (decimal string), read in place. */
export function uintAt(log: RawLog, i: number): string {
  const start = wordStart(log, i);
  const d = log.data;
  if (d.startsWith(ZERO51, start)) return String(Number.parseInt(d.slice(start + 51, start + 64), 16));
  return BigInt(`0x${d.slice(start, start + 64)}`).toString();
}

/** The i-th data word as a JS number; throws if it does not fit in 2^53 (indexes, timestamps, ids). */
export function safeNumberAt(log: RawLog, i: number, what: string): number {
  const start = wordStart(log, i);
  const d = log.data;
  if (d.startsWith(ZERO51, start)) return Number.parseInt(d.slice(start + 51, start + 64), 16);
  return wordToSafeNumber(d.slice(start, start + 64), what);
}

/** The i-th data word as an address, read in place (RawLog hex is lowercase). */
export function addressAt(log: RawLog, i: number): string {
  const start = wordStart(log, i);
  if (!log.data.startsWith(ZERO24, start)) throw new DecodeError('address word has non-zero upper bytes');
  return `0x${log.data.slice(start + 24, start + 64)}`;
}

/** The i-th data word as 0x-prefixed bytes32. */
export function bytes32At(log: RawLog, i: number): string {
  const start = wordStart(log, i);
  return `0x${log.data.slice(start, start + 64)}`;
}

/** Reads a dynamic `bytes`/`string` whose offset is in data word `i`; returns 0x-hex. */
export function dynamicBytesAt(log: RawLog, i: number): string {
  return `0x${dynamicHexAt(log, i)}`;
}

/** Like {@link dynamicBytesAt} without the 0x prefix (saves a copy on the hot path). */
export function dynamicHexAt(log: RawLog, i: number): string {
  const offset = smallUint(word(log, i));
  if (offset < 0 || offset % 32 !== 0) throw new DecodeError('dynamic offset not word-aligned or out of range');
  const lenWord = offset / 32;
  const len = smallUint(word(log, lenWord));
  if (len < 0) throw new DecodeError('dynamic length out of range');
  const start = 2 + (lenWord + 1) * 64;
  if (log.data.length < start + len * 2) throw new DecodeError('dynamic bytes run past data');
  return log.data.slice(start, start + len * 2);
}

/** topic i as 64 hex chars (no 0x); throws if missing or malformed. */
export function topicWord(log: RawLog, i: number): string {
  const t = log.topics[i];
  if (t?.length !== 66) throw new DecodeError(`topic ${i} missing or malformed`);
  return t.slice(2);
}

/** topic i as a uint (decimal string). */
export function topicUint(log: RawLog, i: number): string {
  return wordToUint(topicWord(log, i));
}

/** topic i as 0x bytes32, lowercase. */
export function topicBytes32(log: RawLog, i: number): string {
  return wordToBytes32(topicWord(log, i));
}

/** A uint word as a JS number; throws if it does not fit in 2^53 (ids, chain ids, counts). */
export function wordToSafeNumber(w: string, what: string): number {
  const small = smallUint(w);
  if (small >= 0) return small;
  const n = BigInt(`0x${w}`);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`${what}: ${n} does not fit a safe integer`);
  return Number(n);
}

/**
 * A `bytes32` that holds an address (Across FundsDeposited, Wormhole, Allbridge, deBridge…):
 * left-padded 20 bytes → lowercase 0x address; anything else (a Solana key, a foreign-chain
 * account) is kept whole as 0x + 32 bytes, because it is a real, non-EVM recipient.
 */
export function bytes32ToAccount(w: string): string {
  return w.startsWith(ZERO24) ? `0x${w.slice(24).toLowerCase()}` : `0x${w.toLowerCase()}`;
}

/** Reads a dynamic `string` whose offset is in data word `i` (UTF-8). */
export function dynamicStringAt(log: RawLog, i: number): string {
  const hex = dynamicBytesAt(log, i);
  return Buffer.from(hex.slice(2), 'hex').toString('utf8');
}

/**
 * A dynamic array whose offset is in head word `headIndex` of a tuple that starts at word
 * `base` (0 = the event data itself). Returns the word index of the first element and the
 * element count; bounds-checked against the data length.
 */
export function arrayAt(log: RawLog, headIndex: number, base = 0, elementWords = 1): { first: number; length: number } {
  const offset = smallUint(word(log, base + headIndex));
  if (offset < 0 || offset % 32 !== 0) throw new DecodeError('array offset not word-aligned or out of range');
  const lenWord = base + offset / 32;
  const length = wordToSafeNumber(word(log, lenWord), 'array length');
  const first = lenWord + 1;
  if (wordCount(log) < first + length * elementWords) throw new DecodeError('array runs past data');
  return { first, length };
}

/**
 * Reads calldata (`tx.input`) as words after the 4-byte selector: `callWords(input)` → a
 * pseudo-log whose data are the arguments, so the same accessors apply. Returns undefined
 * when the input does not start with `selector`.
 */
export function callArgs(input: string | undefined, selector: string): RawLog | undefined {
  if (!input?.toLowerCase().startsWith(selector.toLowerCase())) return undefined;
  // Lowercased: the accessors rely on RawLog hex being lowercase.
  const data = `0x${input.slice(10).toLowerCase()}`;
  if ((data.length - 2) % 64 !== 0) return undefined;
  return { address: '', topics: [], data, blockNumber: 0, blockHash: '', transactionHash: '', logIndex: 0 };
}

/** A foreign address given as text (string recipients, memos): EVM hex is lowercased, anything else kept verbatim. */
export function normalizeAccountText(s: string): string {
  return /^0x[0-9a-fA-F]{40}$/.test(s) ? s.toLowerCase() : s;
}
