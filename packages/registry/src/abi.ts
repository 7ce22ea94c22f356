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

/** An address from a 32-byte hex word (no 0x), lowercased. Throws if the upper 12 bytes are not zero. */
export function wordToAddress(w: string): string {
  if (w.length !== 64) throw new DecodeError('address word has wrong length');
  for (let i = 0; i < 24; i++) if (w.charCodeAt(i) !== 48) throw new DecodeError('address word has non-zero upper bytes');
  return `0x${w.slice(24).toLowerCase()}`;
}

/** An address from topic i. */
export function topicAddress(log: RawLog, i: number): string {
  const t = log.topics[i];
  if (!t || t.length !== 66) throw new DecodeError(`topic ${i} missing or malformed`);
  return wordToAddress(t.slice(2));
}

/** A uint from a 64-hex word as a decimal string. */
export function wordToUint(w: string): string {
  return BigInt(`0x${w}`).toString();
}

/** The word as 0x-prefixed bytes32. */
export function wordToBytes32(w: string): string {
  return `0x${w.toLowerCase()}`;
}

/** The i-th data word as a uint (decimal string). */
export function uintAt(log: RawLog, i: number): string {
  return wordToUint(word(log, i));
}

/** The i-th data word as an address. */
export function addressAt(log: RawLog, i: number): string {
  return wordToAddress(word(log, i));
}

/** Reads a dynamic `bytes`/`string` whose offset is in data word `i`; returns 0x-hex. */
export function dynamicBytesAt(log: RawLog, i: number): string {
  const offset = Number(BigInt(`0x${word(log, i)}`));
  if (offset % 32 !== 0) throw new DecodeError('dynamic offset not word-aligned');
  const lenWord = offset / 32;
  const len = Number(BigInt(`0x${word(log, lenWord)}`));
  const start = 2 + (lenWord + 1) * 64;
  if (log.data.length < start + len * 2) throw new DecodeError('dynamic bytes run past data');
  return `0x${log.data.slice(start, start + len * 2)}`;
}
