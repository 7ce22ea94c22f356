import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32c, crcSwapped, installedCrc32c, kafkajsCrc32c, tuningSkipped } from './kafkajs.ts';

const require = createRequire(import.meta.url);

describe('kafkajs with the faster record encoding', () => {
  it('crc32c equals kafkajs’ own CRC-32C on every length 0..300 and on large random buffers', () => {
    assert.equal(tuningSkipped, undefined, 'kafkajs 2.2.4 files found');
    assert.ok(kafkajsCrc32c);
    for (let n = 0; n <= 300; n++) {
      const b = randomBytes(n);
      assert.equal(crc32c(b), kafkajsCrc32c(b), `length ${n}`);
    }
    for (const n of [4096, 65_537, 1_000_003]) {
      const b = randomBytes(n);
      assert.equal(crc32c(b), kafkajsCrc32c(b), `length ${n}`);
    }
    // the check value of CRC-32C (RFC 3720): "123456789" -> 0xe3069283
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
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
});
