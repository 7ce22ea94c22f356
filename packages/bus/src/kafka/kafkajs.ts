// kafkajs, loaded with four CPU fixes to its record encoding. kafkajs 2.2.4 (its last release)
// has no hook for any, so this module installs them before anything loads kafkajs' protocol
// modules and re-exports what the bus uses; every runtime import of kafkajs goes through here.
//
// Measured on the Kafka benchmark's ingest process (docs/benchmarks.md), a profile of the publish
// phase: kafkajs' byte-at-a-time CRC-32C was 10 % of the CPU and zero-filling the buffers its
// Encoder grows into 7 %.
// 1. CRC-32C (Castagnoli) of every record batch: the SSE4.2/ARMv8 CRC instruction through
//    `@node-rs/crc32` (about 13 GB/s here), or where its binary does not load, slicing-by-8 in
//    JavaScript (eight table lookups per 8 bytes instead of one per byte; 8 % of the ingest
//    process's CPU in the Kafka bench). Same results (tests against kafkajs' own function); a
//    wrong CRC would make the broker refuse every produce request (CORRUPT_MESSAGE), which the
//    Kafka integration tests would show at once.
// 2. Encoder.ensureAvailable grows its buffer with Buffer.allocUnsafe instead of Buffer.alloc:
//    the encoder writes every byte it hands out (`buffer` is the slice up to `offset`), so the
//    zero fill was pure cost.
// 3. Nested encoders and large writes are kept as a rope of chunks instead of being copied into
//    each parent: see below.
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

const require = createRequire(import.meta.url);

const CASTAGNOLI = 0x82f63b78;
/** Eight 256-entry tables: table t = CRC of a byte followed by t zero bytes. */
const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  let c = T[i]!;
  for (let t = 1; t < 8; t++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[t * 256 + i] = c;
  }
}

/**
 * CRC-32C of `buf` (unsigned), slicing-by-8 in JavaScript. `previous`: the CRC of the bytes before
 * `buf`, to continue over several chunks (crc(a+b) = crc(b, crc(a))).
 */
export function crc32cJs(buf: Uint8Array, previous = 0): number {
  let crc = ~previous;
  let i = 0;
  const n = buf.length;
  const end = n - (n & 7);
  for (; i < end; i += 8) {
    const a = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    crc =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < n; i++) crc = T[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The CRC instruction through `@node-rs/crc32` (same contract as {@link crc32cJs}), or undefined when its binary does not load here. */
export const crc32cNative: ((buf: Uint8Array, previous?: number) => number) | undefined = (() => {
  try {
    const native = (require('@node-rs/crc32') as { crc32c(input: Uint8Array, initial?: number): number }).crc32c;
    if (native(Buffer.from('123456789')) !== 0xe3069283) return undefined;
    return (buf: Uint8Array, previous = 0) => native(buf, previous);
  } catch {
    return undefined;
  }
})();

/** CRC-32C of `buf` continued from `previous` (default: none): native when it loads, else {@link crc32cJs}. */
export const crc32c: (buf: Uint8Array, previous?: number) => number = crc32cNative ?? crc32cJs;

/** The fields of kafkajs' Encoder the patches use, plus the rope they add. */
interface RopeEncoder {
  buf: Buffer;
  offset: number;
  /** Sealed chunks that precede `buf[0, offset)`, in order (undefined: none). */
  rope?: Buffer[];
  /** Total length of `rope`. */
  ropeBytes?: number;
  ensureAvailable(length: number): void;
}

type EncoderClass = {
  nextPowerOfTwo(v: number): number;
  prototype: RopeEncoder & Record<string, unknown>;
};

/** Writes at least this long are kept by reference in the rope instead of being copied. */
export const ROPE_MIN_BYTES = 2_048;

/** Moves the bytes written so far into the rope; `buf` goes on with the space after them. */
function seal(e: RopeEncoder): void {
  if (!e.rope) {
    e.rope = [];
    e.ropeBytes = 0;
  }
  if (e.offset > 0) {
    e.rope.push(e.buf.subarray(0, e.offset));
    e.ropeBytes = (e.ropeBytes ?? 0) + e.offset;
    e.buf = e.buf.subarray(e.offset);
    e.offset = 0;
  }
}

/** Appends `chunk`: by reference when large, copied into `buf` when small. */
function append(e: RopeEncoder, chunk: Buffer): void {
  if (chunk.length >= ROPE_MIN_BYTES) {
    seal(e);
    e.rope!.push(chunk);
    e.ropeBytes = (e.ropeBytes ?? 0) + chunk.length;
    return;
  }
  e.ensureAvailable(chunk.length);
  chunk.copy(e.buf, e.offset, 0);
  e.offset += chunk.length;
}

/** Appends what encoder `v` holds: its rope chunks by reference, then its current bytes. */
function appendEncoder(e: RopeEncoder, v: RopeEncoder): void {
  if (v.rope && v.rope.length > 0) {
    seal(e);
    for (const c of v.rope) e.rope!.push(c);
    e.ropeBytes = (e.ropeBytes ?? 0) + (v.ropeBytes ?? 0);
  }
  if (v.offset > 0) append(e, v.buf.subarray(0, v.offset));
}

function isEncoder(v: unknown): v is RopeEncoder {
  return v != null && Buffer.isBuffer((v as RopeEncoder).buf);
}

/**
 * Installs the fixes; returns kafkajs' own CRC and record batch functions, or a reason when
 * kafkajs' files are not where 2.2.4 has them (another version): then nothing is changed and
 * kafkajs runs as shipped.
 */
function tune(): { original: (buffer: Buffer) => number; originalRecordBatch: RecordBatchFn; swapped: boolean } | string {
  let original: (buffer: Buffer) => number;
  let crcPath: string;
  let recordBatchPath: string;
  let Encoder: EncoderClass;
  try {
    crcPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
    recordBatchPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/index.js');
    original = require(crcPath);
    Encoder = require('kafkajs/src/protocol/encoder.js');
  } catch (error) {
    return `kafkajs files not found (${(error as Error).message.split('\n')[0]})`;
  }
  if (typeof original !== 'function' || typeof Encoder?.nextPowerOfTwo !== 'function') return 'kafkajs internals changed';
  // (1) The record batch module reads `require('../crc32C')` once, when it loads: replace the
  // cached module's exports before kafkajs is loaded below. If something in this process loaded
  // kafkajs first, the swap cannot take: kafkajs keeps its own CRC (correct, slower).
  const swapped = require.cache[recordBatchPath] === undefined;
  const crcModule = require.cache[crcPath];
  if (crcModule) crcModule.exports = crc32c;
  // (2) Growing without zero-filling.
  const proto = Encoder.prototype;
  proto.ensureAvailable = function ensureAvailable(this: RopeEncoder, length: number) {
    if (this.offset + length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
      this.buf.copy(grown, 0, 0, this.offset);
      this.buf = grown;
    }
  };
  // (3) A rope instead of a copy per nesting level. Each kafkajs encoder (record, batch,
  // partition, topic, request) copies its children's bytes into its own growing buffer, so a
  // produce request's payload was copied about eight times. Large writes and nested encoders are
  // now kept by reference as chunks; `buffer` joins them once (the batch CRC, the length-prefixed
  // batch, and the bytes written to the socket) and keeps the joined buffer for later reads.
  // Chunks are never written after they are appended (an encoder only writes past its offset).
  proto.writeBufferInternal = function writeBufferInternal(this: RopeEncoder, buffer: Buffer) {
    append(this, buffer);
  };
  proto.writeEncoder = function writeEncoder(this: RopeEncoder, value: unknown) {
    if (!isEncoder(value)) throw new Error('value should be an instance of Encoder');
    appendEncoder(this, value);
    return this;
  };
  proto.writeEncoderArray = function writeEncoderArray(this: RopeEncoder, value: unknown) {
    if (!Array.isArray(value) || !value.every(isEncoder)) throw new Error('all values should be an instance of Encoder[]');
    for (const v of value) appendEncoder(this, v);
    return this;
  };
  const writeBytes = proto.writeBytes as (this: RopeEncoder, value: unknown) => unknown;
  proto.writeBytes = function writeBytesRope(this: RopeEncoder & { writeInt32(v: number): unknown }, value: unknown) {
    // kafkajs reserves room for the whole value first, then copies it.
    if (!Buffer.isBuffer(value)) return writeBytes.call(this, value);
    this.writeInt32(value.length);
    append(this, value);
    return this;
  };
  proto.size = function size(this: RopeEncoder) {
    return (this.ropeBytes ?? 0) + this.offset;
  };
  Object.defineProperty(proto, 'buffer', {
    configurable: true,
    get(this: RopeEncoder) {
      if (!this.rope || this.rope.length === 0) return this.buf.subarray(0, this.offset);
      if (this.rope.length === 1 && this.offset === 0) return this.rope[0];
      const chunks = this.offset > 0 ? [...this.rope, this.buf.subarray(0, this.offset)] : this.rope;
      const joined = Buffer.concat(chunks, (this.ropeBytes ?? 0) + this.offset);
      this.rope = undefined;
      this.ropeBytes = 0;
      this.buf = joined;
      this.offset = joined.length;
      return joined;
    },
  });
  // (4) Record batches without joining them. kafkajs' RecordBatch read `batchBody.buffer` for the
  // CRC (a join of the whole batch) and wrote `batch.buffer` as a length-prefixed field (a second
  // join), before the request's join for the socket. The CRC now runs over the rope's chunks and
  // the batch is appended by reference: the same bytes, one join per request instead of three.
  // Compressed batches (mixwatch does not compress) keep kafkajs' own code.
  const recordBatchModule = require(recordBatchPath) as { RecordBatch: RecordBatchFn; MAGIC_BYTE: number };
  const originalRecordBatch = recordBatchModule.RecordBatch;
  if (typeof originalRecordBatch !== 'function' || recordBatchModule.MAGIC_BYTE !== 2) return 'kafkajs record batch changed';
  const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown; fromValue(n: number): unknown };
  recordBatchModule.RecordBatch = async function RecordBatch(options: RecordBatchOptions) {
    const {
      compression = 0,
      firstOffset = Long.fromInt(0),
      firstTimestamp = Date.now(),
      maxTimestamp = Date.now(),
      partitionLeaderEpoch = 0,
      lastOffsetDelta = 0,
      transactional = false,
      producerId = Long.fromValue(-1),
      producerEpoch = 0,
      firstSequence = 0,
      records = [],
    } = options;
    if ((compression & 0x7) !== 0) return originalRecordBatch(options);
    const NewEncoder = Encoder as unknown as new () => WritableEncoder;
    const body = new NewEncoder()
      .writeInt16(transactional ? 16 : 0)
      .writeInt32(lastOffsetDelta)
      .writeInt64(firstTimestamp)
      .writeInt64(maxTimestamp)
      .writeInt64(producerId)
      .writeInt16(producerEpoch)
      .writeInt32(firstSequence);
    if (records.every((v) => typeof v === typeof records[0])) body.writeArray(records, typeof records[0]);
    else body.writeArray(records);
    const batch = new NewEncoder().writeInt32(partitionLeaderEpoch).writeInt8(2).writeUInt32(ropeCrc32c(body)).writeEncoder(body);
    return new NewEncoder().writeInt64(firstOffset).writeInt32(batch.size()).writeEncoder(batch);
  };
  return { original, originalRecordBatch, swapped: swapped && crcModule !== undefined };
}

/** kafkajs' RecordBatch (v0 = magic 2) options, as its produce request passes them. */
interface RecordBatchOptions {
  compression?: number;
  firstOffset?: unknown;
  firstTimestamp?: number;
  maxTimestamp?: number;
  partitionLeaderEpoch?: number;
  lastOffsetDelta?: number;
  transactional?: boolean;
  producerId?: unknown;
  producerEpoch?: number;
  firstSequence?: number;
  records?: unknown[];
}
type RecordBatchFn = (options: RecordBatchOptions) => Promise<unknown>;

/** The writes of kafkajs' Encoder that the record batch uses (each returns the encoder). */
interface WritableEncoder extends RopeEncoder {
  writeInt8(v: number): WritableEncoder;
  writeInt16(v: number): WritableEncoder;
  writeInt32(v: number): WritableEncoder;
  writeUInt32(v: number): WritableEncoder;
  writeInt64(v: unknown): WritableEncoder;
  writeArray(values: unknown[], type?: string): WritableEncoder;
  writeEncoder(e: unknown): WritableEncoder;
  size(): number;
}

/** CRC-32C of everything an encoder holds (its rope's chunks, then its current bytes), without joining them. */
function ropeCrc32c(e: RopeEncoder): number {
  let crc = 0;
  if (e.rope) for (const chunk of e.rope) crc = crc32c(chunk, crc);
  return crc32c(e.buf.subarray(0, e.offset), crc);
}

const tuned = tune();

/** kafkajs' own CRC-32C function (kept for the equivalence test), or undefined when not tuned. */
export const kafkajsCrc32c: ((buffer: Buffer) => number) | undefined = typeof tuned === 'string' ? undefined : tuned.original;

/** kafkajs' own RecordBatch function (kept for the equivalence test), or undefined when not tuned. */
export const kafkajsRecordBatch: RecordBatchFn | undefined = typeof tuned === 'string' ? undefined : tuned.originalRecordBatch;

/**
 * Whether kafkajs' record batches use {@link crc32c}: false when kafkajs was loaded before this
 * module, or is not the version whose files this module knows (`tuningSkipped` says why).
 */
export const crcSwapped = typeof tuned !== 'string' && tuned.swapped;

/** Why the fixes were not installed (another kafkajs version), or undefined. */
export const tuningSkipped: string | undefined = typeof tuned === 'string' ? tuned : undefined;

const kafkajs: typeof KafkaJs = require('kafkajs');

/** The CRC function kafkajs' record batches use now (for the test that the swap took). */
export const installedCrc32c: unknown = tuningSkipped ? undefined : require('kafkajs/src/protocol/recordBatch/crc32C/index.js');

export const { Kafka, logLevel, AssignerProtocol, Partitioners } = kafkajs;
