import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@mixwatch/core';
import { parseCsv } from './csv.ts';
import { builtinLabels, LabelIndex, labelKey, mergeLabels, parseLabelsCsv } from './labels.ts';

test('CSV: quotes, doubled quotes, newlines inside quotes, CRLF; records keep their starting line', () => {
  const rows = parseCsv('a,b\r\n"x, ""y""",2\n"multi\nline",3\n\nlast,4');
  assert.deepEqual(
    rows.map((r) => [r.line, r.fields]),
    [
      [1, ['a', 'b']],
      [2, ['x, "y"', '2']],
      [3, ['multi\nline', '3']],
      [6, ['last', '4']],
    ],
  );
});

test('labels CSV: EVM addresses lowercased, TRON kept, errors name the file and line', () => {
  const ok = parseLabelsCsv(
    'address,chain,label,category,source\n0xAbCdEf0000000000000000000000000000000001,Ethereum,x,watchlist,me\nTAYhjpL8pPs8T84FSM329nffQpc6jD8GBM,tron,y,otc,you\n',
    'w.csv',
  );
  assert.deepEqual(
    ok.map((l) => [l.address, l.chain, l.category]),
    [
      ['0xabcdef0000000000000000000000000000000001', 'ethereum', 'watchlist'],
      ['TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM', 'tron', 'otc'],
    ],
  );
  const bad = (body: string) => () => parseLabelsCsv(`address,chain,label,category,source\n${body}`, 'w.csv');
  assert.throws(bad('0x12,ethereum,x,watchlist,me'), (e: Error) => e instanceof ConfigError && /^w\.csv:2: address "0x12"/.test(e.message));
  assert.throws(bad('0xabcdef0000000000000000000000000000000001,ethereum,x,casino,me'), /w\.csv:2: category "casino"/);
  assert.throws(bad('0xabcdef0000000000000000000000000000000001,ethereum,x,watchlist,'), /w\.csv:2: source is empty/);
  assert.throws(bad('TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM,ethereum,x,otc,me'), /does not fit chain ethereum/);
  assert.throws(() => parseLabelsCsv('address,chain,label\n', 'h.csv'), /h\.csv:1: missing column category/);
});

test('shipped labels: every row has a source; DPRK and SDN are taint sources; SDN-listed Tornado pools are mixers, not sources', () => {
  const labels = builtinLabels();
  assert.ok(labels.every((l) => l.source.length > 10));
  const index = new LabelIndex(labels);
  assert.equal(index.taintSource('0x098B716B8Aaf21512996dC57EB0615e2383E2f96')?.category, 'dprk_attributed');
  assert.equal(index.taintSource('TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM')?.category, 'sanctioned');
  assert.equal(index.taintSource('0xa160cdab225685da1d56aa342ad8841c3b53f291'), undefined);
  assert.equal(index.service('0xa160cdab225685da1d56aa342ad8841c3b53f291')?.category, 'mixer');
  assert.ok(index.taintSources().length > 400);
});

test('merging joins labels and sources of the same (address, chain, category)', () => {
  const m = mergeLabels([
    { address: '0x1', chain: 'ethereum', label: 'a', category: 'watchlist', source: 's1' },
    { address: '0x1', chain: 'ethereum', label: 'b', category: 'watchlist', source: 's1' },
  ]);
  assert.deepEqual(m, [{ address: '0x1', chain: 'ethereum', label: 'a || b', category: 'watchlist', source: 's1' }]);
  assert.equal(labelKey('nope'), undefined);
});
