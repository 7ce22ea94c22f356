import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '@mixwatch/core';
import { allContracts } from '../registry.ts';
import { DECODERS } from './index.ts';
import { SAMPLES } from './samples.ts';
import './samples-bridges.ts';
import { logFor, malformed, TX } from './testkit.ts';

// For every registry event that has a decoder (every service, event kind, chain and address), the
// documented sample log built with viem at that real address decodes to the exact expected fields;
// malformed variants (short data, extra/missing topic) throw DecodeError.
test('every decodable registry event decodes its sample exactly; malformed logs throw DecodeError', () => {
  let checked = 0;
  const missing = new Set<string>();
  for (const c of allContracts()) {
    if (c.watch) continue; // Avalanche Bridge: covered in avalanche-bridge.test.ts
    for (const e of c.events) {
      if (!e.decoder) continue;
      const sample = SAMPLES[e.decoder];
      if (!sample) {
        missing.add(e.decoder);
        continue;
      }
      const decoder = DECODERS[e.decoder];
      assert.ok(decoder);
      const ctx = logFor(c, sample.abi, sample.args(c), { from: sample.from, to: c.address, value: String(sample.value ?? 0n) });
      assert.equal(ctx.event.decoder, e.decoder);
      const flows = decoder.decode(ctx);
      const expected = sample.expect({ contract: c, txHash: TX, logIndex: ctx.log.logIndex });
      assert.equal(flows.length, expected.length, `${c.label} ${e.signature}: flow count`);
      expected.forEach((exp, i) => {
        const got = flows[i] as unknown as Record<string, unknown>;
        const picked = Object.fromEntries(Object.keys(exp).map((k) => [k, got[k]]));
        if ('extra' in exp)
          picked.extra = Object.fromEntries(Object.keys(exp.extra ?? {}).map((k) => [k, (got.extra as Record<string, unknown>)[k]]));
        assert.deepEqual(picked, exp, `${c.chain} ${c.label} ${e.signature} flow ${i}`);
        assert.match(String(got.amount), /^\d+$/, 'amount is a decimal integer string');
      });
      for (const bad of malformed(ctx)) {
        assert.throws(() => decoder.decode(bad), DecodeError, `${c.label} ${e.signature}: malformed log must throw`);
      }
      checked++;
    }
  }
  assert.deepEqual([...missing], [], 'decoders without a sample');
  assert.ok(checked > 500, `checked ${checked}`);
});
