import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '@mixwatch/core';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { loadConfig, parseConfig } from './load.ts';

// Bad-input fuzzing (fast-check) of the config loader: random YAML text, random objects, and the
// full example config with one key replaced by a random value. Each must give either a valid
// Config or a ConfigError whose message names the offending key (or says the YAML is invalid /
// the top level is not a mapping) — never another exception.

const dir = mkdtempSync(join(tmpdir(), 'mixwatch-config-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const example = parse(readFileSync(join(import.meta.dirname, '../../../mixwatch.example.yaml'), 'utf8')) as Record<string, unknown>;

/** Every key path of a parsed YAML value (objects and arrays). */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  return [prefix, ...entries.flatMap(([k, x]) => paths(x, [...prefix, k]))].filter((p) => p.length > 0);
}

function setPath(obj: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let cur: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[path.at(-1)!] = value;
  return copy;
}

const CLEAR = /key [\w.()[\]-]+|invalid YAML|top level must be a mapping|environment variable \w+ is not set/;

function check(run: () => unknown, mentions?: string[]): 'valid' | 'rejected' {
  try {
    run();
    return 'valid';
  } catch (error) {
    if (!(error instanceof ConfigError))
      throw new Error(`threw ${(error as Error)?.name} instead of ConfigError: ${(error as Error)?.message}`);
    assert.match(error.message, CLEAR, `ConfigError names the key: ${error.message}`);
    if (mentions)
      assert.ok(
        mentions.some((m) => error.message.includes(m)),
        `message names one of ${mentions}: ${error.message}`,
      );
    assert.doesNotMatch(error.message, /hooks\.slack\.com|https?:\/\/[^ ]*token/i, 'no secret in the message');
    return 'rejected';
  }
}

const yamlish = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.anything({ maxDepth: 3 }).map((v) => {
    try {
      return stringify(v) ?? '';
    } catch {
      return String(v);
    }
  }),
  fc.tuple(fc.constantFrom(...Object.keys(example)), fc.anything({ maxDepth: 2 })).map(([k, v]) => stringify({ [k]: v }) ?? ''),
);

test('random YAML files: a Config or a ConfigError naming the key, never another exception', () => {
  const outcomes = { valid: 0, rejected: 0 };
  let n = 0;
  fc.assert(
    fc.property(yamlish, (text) => {
      const file = join(dir, `c${n++}.yaml`);
      writeFileSync(file, text);
      outcomes[check(() => loadConfig({ file, env: {} }))]++;
    }),
    { numRuns: 400, seed: 3 },
  );
  assert.ok(outcomes.valid > 0 && outcomes.rejected > 0, `both outcomes exercised: ${JSON.stringify(outcomes)}`);
});

test('random objects to parseConfig (with random MIXWATCH_* env): a Config or a ConfigError, never another exception', () => {
  const env = fc.dictionary(
    fc.constantFrom('MIXWATCH_DATA_DIR', 'MIXWATCH_HTTP_PORT', 'MIXWATCH_KAFKA_BROKERS', 'MIXWATCH_RPC_ETHEREUM', 'MIXWATCH_RPC_FOO', 'X'),
    fc.string({ maxLength: 30 }),
  );
  fc.assert(
    fc.property(fc.anything({ maxDepth: 4 }), env, (raw, e) => {
      check(() => parseConfig(raw, e));
    }),
    { numRuns: 600, seed: 5 },
  );
});

test('the example config with one key replaced by a random value: valid, or a ConfigError naming that key', () => {
  const all = paths(example);
  assert.ok(all.length > 20, `example config has ${all.length} key paths`);
  const outcomes = { valid: 0, rejected: 0 };
  fc.assert(
    fc.property(fc.constantFrom(...all), fc.anything({ maxDepth: 2 }), (path, value) => {
      const raw = setPath(example, path, value);
      // The message names the key path or a key under it (zod reports the deepest failing key),
      // or a parent when the value changed the parent's shape (unions, records).
      const mentions = path.map((_, i) => path.slice(0, i + 1).join('.'));
      outcomes[
        check(() => parseConfig(raw, { SLACK_WEBHOOK_URL: 'https://example.invalid/x', ETH_RPC_URL: 'http://127.0.0.1:8545' }), mentions)
      ]++;
    }),
    { numRuns: 600, seed: 9 },
  );
  assert.ok(outcomes.rejected > 0, `rejections exercised: ${JSON.stringify(outcomes)}`);
});
