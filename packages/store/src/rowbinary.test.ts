import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRowBinary, type RowBinaryColumn, rowBinaryColumnOf } from './rowbinary.ts';

/** Reads RowBinary back (the test's own reader): strings as UTF-8, integers little-endian. */
function decode(bytes: Buffer, columns: RowBinaryColumn[]): unknown[][] {
  const rows: unknown[][] = [];
  let o = 0;
  while (o < bytes.length) {
    const row: unknown[] = [];
    for (const { kind } of columns) {
      if (kind === 'string' || kind === 'text') {
        let n = 0;
        for (let shift = 0; ; shift += 7) {
          const b = bytes[o++]!;
          n |= (b & 0x7f) << shift;
          if (b < 0x80) break;
        }
        row.push(bytes.toString('utf8', o, o + n));
        o += n;
      } else if (kind === 'u8') row.push(bytes[o++]);
      else if (kind === 'u16') {
        row.push(bytes.readUInt16LE(o));
        o += 2;
      } else if (kind === 'u64') {
        row.push(Number(bytes.readBigUInt64LE(o)));
        o += 8;
      } else {
        row.push(bytes.readUInt32LE(o));
        o += 4;
      }
    }
    rows.push(row);
  }
  return rows;
}

describe('RowBinary encoding (embedded inserts)', () => {
  it('maps the simple ClickHouse types and leaves the others to the text formats', () => {
    assert.deepEqual(rowBinaryColumnOf('String'), { kind: 'string', fileType: 'String' });
    assert.deepEqual(rowBinaryColumnOf('LowCardinality(String)'), { kind: 'string', fileType: 'String' });
    assert.deepEqual(rowBinaryColumnOf('UInt16'), { kind: 'u16', fileType: 'UInt16' });
    assert.deepEqual(rowBinaryColumnOf('UInt64'), { kind: 'u64', fileType: 'UInt64' });
    assert.deepEqual(rowBinaryColumnOf("DateTime('UTC')"), { kind: 'datetime', fileType: "DateTime('UTC')" });
    assert.deepEqual(rowBinaryColumnOf('DateTime'), { kind: 'datetime', fileType: 'DateTime' });
    // written as text, cast by ClickHouse
    assert.deepEqual(rowBinaryColumnOf('UInt256'), { kind: 'text', fileType: 'String' });
    assert.deepEqual(rowBinaryColumnOf('Int32'), { kind: 'text', fileType: 'String' });
    for (const t of ["DateTime64(3, 'UTC')", 'Nullable(String)', 'Date', 'Array(String)', 'Bool', "Enum8('a' = 1)"])
      assert.equal(rowBinaryColumnOf(t), undefined, t);
  });

  it('writes strings as a LEB128 byte length and UTF-8, integers little-endian', () => {
    const columns = ['s', 'n8', 'n16', 'n32', 'n64', 't', 'big'];
    const types = ['String', 'UInt8', 'UInt16', 'UInt32', 'UInt64', "DateTime('UTC')", 'UInt256'].map((t) => rowBinaryColumnOf(t)!);
    const bytes = encodeRowBinary(
      [{ s: 'ab', n8: 255, n16: 0x0102, n32: 0xffff_ffff, n64: 2 ** 40 + 5, t: 86_400, big: 123456789012345678901234567890n }],
      columns,
      types,
    );
    assert.deepEqual(
      [...bytes!],
      [
        2,
        0x61,
        0x62,
        255,
        0x02,
        0x01,
        0xff,
        0xff,
        0xff,
        0xff,
        5,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        0x80,
        0x51,
        0x01,
        0,
        30,
        ...Buffer.from('123456789012345678901234567890'),
      ],
    );
  });

  it('round-trips long and multi-byte strings (lengths of several LEB128 bytes) and batches past the buffer size', () => {
    const types = [rowBinaryColumnOf('String')!, rowBinaryColumnOf('UInt64')!];
    const samples = [
      '',
      'tab\tnewline\nback\\slash quote " NUL \u0000',
      'x'.repeat(127),
      'x'.repeat(128),
      '✓'.repeat(300), // 900 bytes
      '𝄞 surrogate pair',
      'é'.repeat(70_000), // 140 000 bytes: a 3-byte length
      // short strings are copied byte by byte while ASCII; the first other character hands the
      // whole string to buf.write, which must overwrite what the loop wrote
      'é',
      'aé',
      `${'x'.repeat(22)}é`,
      `abc\u007f\u0080`,
      'x'.repeat(23),
      'x'.repeat(24),
      '𝄞',
    ];
    const rows = samples.map((s, i) => ({ s, n: Number.MAX_SAFE_INTEGER - i }));
    assert.deepEqual(
      decode(encodeRowBinary(rows, ['s', 'n'], types)!, types),
      rows.map((r) => [r.s, r.n]),
    );
    // more than the 1 MiB the encoder starts with, and the next call still right
    const many = Array.from({ length: 3_000 }, (_, i) => ({ s: `${i}:${'y'.repeat(600)}`, n: i }));
    assert.deepEqual(
      decode(encodeRowBinary(many, ['s', 'n'], types)!, types),
      many.map((r) => [r.s, r.n]),
    );
    assert.deepEqual(decode(encodeRowBinary([{ s: 'after', n: 1 }], ['s', 'n'], types)!, types), [['after', 1]]);
  });

  it('gives up (the caller falls back to text) on values the text formats would read differently', () => {
    const u8 = [rowBinaryColumnOf('UInt8')!];
    const s = [rowBinaryColumnOf('String')!];
    const t = [rowBinaryColumnOf("DateTime('UTC')")!];
    assert.equal(encodeRowBinary([{}], ['a'], u8), undefined, 'a missing value is the column default in text');
    assert.equal(encodeRowBinary([{ a: null }], ['a'], s), undefined);
    assert.equal(encodeRowBinary([{ a: 256 }], ['a'], u8), undefined);
    assert.equal(encodeRowBinary([{ a: -1 }], ['a'], u8), undefined);
    assert.equal(encodeRowBinary([{ a: 1.5 }], ['a'], t), undefined);
    assert.equal(encodeRowBinary([{ a: '7' }], ['a'], u8), undefined, 'text for a number column: the text formats parse (or refuse) it');
    assert.equal(encodeRowBinary([{ a: true }], ['a'], s), undefined);
    assert.equal(encodeRowBinary([{ a: { x: 1 } }], ['a'], s), undefined);
    assert.deepEqual([...encodeRowBinary([{ a: 42 }], ['a'], s)!], [2, 0x34, 0x32], 'a number for a String column is its decimal text');
  });
});
