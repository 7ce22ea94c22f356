import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsOf } from './store.ts';

test('columnsOf: every key of the rows in first-seen order, whatever the shapes', () => {
  assert.deepEqual(columnsOf([]), []);
  assert.deepEqual(
    columnsOf([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]),
    ['a', 'b'],
  );
  // Same keys, other order; fewer keys; more keys; a prefix of the first shape.
  assert.deepEqual(columnsOf([{ a: 1, b: 2 }, { b: 1, a: 2 }, { a: 1 }, { a: 1, b: 2, c: 3 }]), ['a', 'b', 'c']);
  assert.deepEqual(columnsOf([{ a: 1, b: 2, c: 3 }, { a: 1, b: 2 }, { d: 1 }]), ['a', 'b', 'c', 'd']);
  // Inherited enumerable keys are no columns.
  const row = Object.create({ inherited: 1 }) as Record<string, unknown>;
  row.a = 1;
  row.b = 2;
  assert.deepEqual(columnsOf([{ a: 1, b: 2 }, row]), ['a', 'b']);
});
