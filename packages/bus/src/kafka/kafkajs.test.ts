import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  crc32c,
  crc32cJs,
  crc32cNative,
  crcSwapped,
  installedCrc32c,
  kafkajsCrc32c,
  kafkajsRecordBatch,
  ROPE_MIN_BYTES,
  tuningSkipped,
} from './kafkajs.ts';

const require = createRequire(import.meta.url);

describe('kafkajs with the faster record encoding', () => {
  it('crc32c (native and JavaScript) equals kafkajs’ own CRC-32C on every length 0..300 and on large random buffers', () => {
    assert.equal(tuningSkipped, undefined, 'kafkajs 2.2.4 files found');
    assert.ok(kafkajsCrc32c);
    // On the platforms this project runs on (linux x64/arm64 gnu) the native binary loads.
    assert.ok(crc32cNative, '@node-rs/crc32 loads');
    assert.equal(crc32c, crc32cNative);
    for (const f of [crc32cNative, crc32cJs]) {
      for (let n = 0; n <= 300; n++) {
        const b = randomBytes(n);
        assert.equal(f(b), kafkajsCrc32c(b), `length ${n}`);
      }
      for (const n of [4096, 65_537, 1_000_003]) {
        const b = randomBytes(n);
        assert.equal(f(b), kafkajsCrc32c(b), `length ${n}`);
      }
      // the check value of CRC-32C (RFC 3720): "123456789" -> 0xe3069283
      assert.equal(f(Buffer.from('123456789')), 0xe3069283);
    }
  });

  it('crc32c continues over chunks: crc(a+b) = crc(b, crc(a)), empty chunks included', () => {
    for (const f of [crc32cNative!, crc32cJs]) {
      for (const [x, y] of [
        [0, 0],
        [0, 9],
        [7, 0],
        [1, 1],
        [13, 4_000],
        [65_536, 3],
      ] as const) {
        const a = randomBytes(x);
        const b = randomBytes(y);
        assert.equal(f(b, f(a)), kafkajsCrc32c!(Buffer.concat([a, b])), `${x}+${y}`);
      }
    }
  });

  it('record batches are byte for byte what kafkajs’ own RecordBatch makes, with no join of the batch', async () => {
    assert.ok(kafkajsRecordBatch);
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
    const Long = require('kafkajs/src/utils/long.js');
    assert.notEqual(RecordBatch, kafkajsRecordBatch, 'installed');
    const records = (n: number, size: number) =>
      Array.from({ length: n }, (_, i) =>
        Record({ offsetDelta: i, timestampDelta: i * 3, key: Buffer.from(`k${i}`), value: randomBytes(size), headers: { h: 'ndjson' } }),
      );
    for (const [n, size] of [
      [0, 0],
      [1, 10],
      [3, ROPE_MIN_BYTES + 5],
      [64, 60_000],
    ] as const) {
      const recs = records(n, size);
      const options = {
        firstOffset: Long.fromInt(0),
        firstTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_999,
        lastOffsetDelta: Math.max(0, n - 1),
        producerId: Long.fromValue(4242),
        producerEpoch: 3,
        firstSequence: 77,
        partitionLeaderEpoch: 0,
        records: recs,
      };
      const mine = await RecordBatch(options);
      const theirs = await kafkajsRecordBatch(options);
      if (n > 0 && size >= ROPE_MIN_BYTES) assert.ok(mine.rope && mine.rope.length > n, 'kept as chunks until the request joins them');
      assert.deepEqual(mine.buffer, (theirs as { buffer: Buffer }).buffer, `${n} records of ${size} bytes`);
    }
  });

  it('record batches use it, and the encoder still hands out exactly what was written', () => {
    assert.equal(installedCrc32c, crc32c);
    assert.equal(crcSwapped, true, 'nothing loaded kafkajs before the bus module');
    const Encoder = require('kafkajs/src/protocol/encoder.js');
    const e = new Encoder(4);
    const payload = randomBytes(5_000);
    e.writeInt32(7).writeBytes(payload).writeString('end');
    const out: Buffer = e.buffer;
    assert.equal(out.length, 4 + 4 + payload.length + 2 + 3);
    assert.equal(out.readInt32BE(0), 7);
    assert.equal(out.readInt32BE(4), payload.length);
    assert.deepEqual(out.subarray(8, 8 + payload.length), payload);
    assert.equal(out.subarray(out.length - 3).toString(), 'end');
  });

  it('nested encoders and large writes are kept by reference and joined into exactly the bytes written', () => {
    const Encoder = require('kafkajs/src/protocol/encoder.js');
    const i16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
    const i32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const big = randomBytes(70_000);
    const mid = randomBytes(ROPE_MIN_BYTES);
    const small = randomBytes(ROPE_MIN_BYTES - 1);
    const leaf = (tag: number) => new Encoder().writeInt16(tag).writeBytes(big).writeString('x').writeBuffer(small).writeBuffer(mid);
    const leafBytes = (tag: number) => Buffer.concat([i16(tag), i32(big.length), big, i16(1), Buffer.from('x'), small, mid]);

    const a = leaf(1);
    assert.ok(a.rope.includes(big) && a.rope.includes(mid), 'large writes are not copied');
    assert.equal(a.size(), leafBytes(1).length);
    const middle = new Encoder()
      .writeInt32(a.size())
      .writeEncoder(a)
      .writeArray([leaf(2), leaf(3)]);
    const middleBytes = Buffer.concat([i32(leafBytes(1).length), leafBytes(1), i32(2), leafBytes(2), leafBytes(3)]);
    assert.equal(middle.size(), middleBytes.length);
    // like kafkajs' record batch: the CRC reads `buffer`, then the encoder is written on
    const body = middle.buffer;
    assert.deepEqual(body, middleBytes);
    assert.equal(middle.buffer.buffer, body.buffer, 'a second read gives the joined bytes again, not another copy');
    const outer = new Encoder()
      .writeInt8(9)
      .writeEncoder(middle)
      .writeBytes(leaf(4).buffer)
      .writeEncoderArray([leaf(5)]);
    middle.writeInt8(7); // writing on after being appended changes nothing already appended
    const expected = Buffer.concat([Buffer.from([9]), middleBytes, i32(leafBytes(4).length), leafBytes(4), leafBytes(5)]);
    assert.equal(outer.size(), expected.length);
    assert.deepEqual(outer.buffer, expected);
    assert.deepEqual(middle.buffer, Buffer.concat([middleBytes, Buffer.from([7])]));
    outer.writeInt32(-1).writeBuffer(big);
    assert.deepEqual(outer.buffer, Buffer.concat([expected, i32(-1), big]));
  });
});
