/**
 * ClickHouse RowBinary for the embedded store's inserts. chDB parses TabSeparated text at about
 * 100 MB/s on one thread, about 70 % of a flows insert (docs/benchmarks.md); RowBinary needs no
 * parsing: strings are a LEB128 length and the UTF-8 bytes, integers little-endian.
 *
 * Only the column types whose binary form is simple are written as such; a table with another
 * type (Nullable, DateTime64, Date, arrays…) is not encoded here and keeps the text formats.
 */

/** How a column is written. `text`: a String in the file, cast by ClickHouse to the column's type (UInt256, Int*, Float*). */
export type RowBinaryKind = 'string' | 'text' | 'u8' | 'u16' | 'u32' | 'u64' | 'datetime';

/** A column as it is declared in the file's structure and written. */
export interface RowBinaryColumn {
  kind: RowBinaryKind;
  /** The type named in the structure of `file(…, 'RowBinary', structure)`. */
  fileType: string;
}

const UINT: Record<string, RowBinaryKind> = { UInt8: 'u8', UInt16: 'u16', UInt32: 'u32', UInt64: 'u64' };
const CAST_FROM_TEXT = /^(U?Int(8|16|32|64|128|256)|Float(32|64)|Decimal(32|64|128|256)?\(.*\))$/;

/** The {@link RowBinaryColumn} of a ClickHouse column type, or undefined when it is not written here. */
export function rowBinaryColumnOf(type: string): RowBinaryColumn | undefined {
  if (type === 'String' || type === 'LowCardinality(String)') return { kind: 'string', fileType: 'String' };
  const uint = UINT[type];
  if (uint) return { kind: uint, fileType: type };
  if (/^DateTime(\('[^']*'\))?$/.test(type)) return { kind: 'datetime', fileType: type };
  if (CAST_FROM_TEXT.test(type)) return { kind: 'text', fileType: 'String' };
  return undefined;
}

const LIMIT: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff, datetime: 0xffff_ffff, u64: Number.MAX_SAFE_INTEGER };

/** Strings shorter than this and ASCII are copied in JavaScript (their length is one LEB128 byte). */
const SHORT = 24;

/** The buffer the encoder writes into, reused by the next call unless it grew past {@link KEPT_BYTES}. */
let scratch = Buffer.allocUnsafe(1 << 20);
const KEPT_BYTES = 16 << 20;

/**
 * The rows as RowBinary in `columns` order, or undefined when a value cannot be written so that it
 * reads back as the text formats would read it: a missing value (the text formats give the column
 * default), a non-integer, negative or too large number for an integer or DateTime column, a value
 * that is not a string, finite number or bigint. The caller then uses the text formats. The
 * returned bytes are a view of a buffer the next call overwrites: write them out before encoding
 * again.
 */
export function encodeRowBinary(rows: Record<string, unknown>[], columns: string[], types: RowBinaryColumn[]): Buffer | undefined {
  let buf = scratch;
  let o = 0;
  const grow = (need: number) => {
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, o + need));
    buf.copy(next, 0, 0, o);
    buf = next;
    if (next.length <= KEPT_BYTES) scratch = next;
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let c = 0; c < columns.length; c++) {
      const x = row[columns[c]!];
      const kind = types[c]!.kind;
      if (kind === 'string' || kind === 'text') {
        let s: string;
        if (typeof x === 'string') s = x;
        else if (typeof x === 'bigint' || (typeof x === 'number' && Number.isFinite(x))) s = String(x);
        else return undefined;
        // A UTF-8 character takes at most 3 bytes per UTF-16 unit; + 5 for the length.
        const len = s.length;
        if (o + len * 3 + 5 > buf.length) grow(len * 3 + 5);
        if (len < SHORT) {
          // Short ASCII strings byte by byte: the call into buf.write costs more than the copy.
          let j = 0;
          for (; j < len; j++) {
            const ch = s.charCodeAt(j);
            if (ch > 0x7f) break;
            buf[o + 1 + j] = ch;
          }
          if (j === len) {
            buf[o] = len;
            o += 1 + len;
            continue;
          }
        }
        // The length goes first but is known once written: write after a 1-byte length (strings
        // under 128 bytes, nearly all here), and move the bytes in the rare longer case.
        const n = buf.write(s, o + 1, 'utf8');
        if (n < 0x80) {
          buf[o] = n;
          o += 1 + n;
        } else {
          let width = 1;
          for (let v = n >>> 7; v > 0; v >>>= 7) width++;
          buf.copyWithin(o + width, o + 1, o + 1 + n);
          let v = n;
          while (v >= 0x80) {
            buf[o++] = (v & 0x7f) | 0x80;
            v >>>= 7;
          }
          buf[o++] = v;
          o += n;
        }
        continue;
      }
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > LIMIT[kind]!) return undefined;
      if (o + 8 > buf.length) grow(8);
      if (kind === 'u8') buf[o++] = x;
      else if (kind === 'u16') {
        buf.writeUInt16LE(x, o);
        o += 2;
      } else if (kind === 'u64') {
        buf.writeUInt32LE(x >>> 0, o);
        buf.writeUInt32LE(Math.floor(x / 4_294_967_296), o + 4);
        o += 8;
      } else {
        buf.writeUInt32LE(x, o);
        o += 4;
      }
    }
  }
  return buf.subarray(0, o);
}
