#!/usr/bin/env node
// Runs the test suite with node's own test runner (its summary is the last thing printed).
// Rings: `*.test.ts` unit tests beside the code; `*.int.test.ts` integration tests against real
// anvil / chDB / Kafka; `test/e2e/**/*.test.ts` end-to-end scenarios.
// Usage: node scripts/test.mjs [--unit] [--faults] [--dir DIR] [--concurrency N] [files…]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const root = resolve(import.meta.dirname, '..');
let dir = root;
let unitOnly = false;
let faults = false;
let concurrency = process.env.MIXWATCH_TEST_CONCURRENCY ?? '2';
const explicit = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--unit') unitOnly = true;
  else if (a === '--faults') faults = true;
  else if (a === '--dir') dir = resolve(args[++i]);
  else if (a === '--concurrency') concurrency = args[++i];
  else explicit.push(a);
}

function walk(d, out) {
  for (const name of readdirSync(d)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'data') continue;
    const p = join(d, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = explicit.length ? explicit.map((f) => resolve(f)) : walk(dir, []);
const isFault = (f) => f.includes(`${'/'}faults${'/'}`) || f.endsWith('.faults.test.ts');
files = files.filter((f) => (faults ? isFault(f) : !isFault(f)));
if (unitOnly) files = files.filter((f) => !f.endsWith('.int.test.ts') && !f.includes('/e2e/'));
files.sort();
if (files.length === 0) {
  console.error(`no test files under ${relative(process.cwd(), dir) || '.'}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, MIXWATCH_LOG_LEVEL: process.env.MIXWATCH_LOG_LEVEL ?? 'silent' },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
