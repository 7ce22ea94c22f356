import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Daemon, runDaemon } from '@mixwatch/cli';
import { type Config, parseConfig } from '@mixwatch/config';
import { type Common, createLogger, createTestCommon } from '@mixwatch/core';
import type { RoleName } from '@mixwatch/runtime';
import { stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A fresh temp folder (removed by the returned function). */
export function tempDir(prefix = 'mixwatch-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A config for tests: the given chains pointing at local nodes, fast polling, the store in
 * `dataDir`, the HTTP endpoint on a free port. `chains` values are merged over
 * `{ rpc: [url], pollIntervalMs: 100, confirmations: 2, startBlock: 1 }`.
 */
export function testConfig(parameters: {
  dataDir: string;
  chains: Record<string, { url: string } & Record<string, unknown>>;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const chains = Object.fromEntries(
    Object.entries(parameters.chains).map(([name, { url, ...rest }]) => [
      name,
      { rpc: [url], pollIntervalMs: 100, confirmations: 2, startBlock: 1, ...rest },
    ]),
  );
  return { dataDir: parameters.dataDir, http: { port: 0 }, chains, ...(parameters.extra ?? {}) };
}

/** Common for roles run by a test: silent, or logging at MIXWATCH_TEST_LOG (e.g. `debug`) when set. */
export function testCommon(): Common {
  return {
    ...createTestCommon(),
    ...(process.env.MIXWATCH_TEST_LOG ? { logger: createLogger({ level: process.env.MIXWATCH_TEST_LOG }) } : {}),
  };
}

/** Runs the daemon in this process (embedded bus and store). */
export async function startInProcess(
  raw: Record<string, unknown>,
  roles?: RoleName[],
): Promise<{ daemon: Daemon; config: Config; query: <T = any>(sql: string, params?: Record<string, unknown>) => Promise<T[]> }> {
  const config = parseConfig(raw);
  const common = testCommon();
  const daemon = await runDaemon({ config, common, ...(roles ? { roles, partial: true } : {}) });
  return { daemon, config, query: (sql, params) => daemon.ctx.store.query(sql, params) };
}

/** A daemon in a child process (`mixwatch run`), for crash tests. */
export interface ChildDaemon {
  proc: ChildProcess;
  configFile: string;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
  output(): string;
}

/** Starts `mixwatch run --config <file>` as a child process with the given config. */
export function spawnDaemon(raw: Record<string, unknown>, options: { args?: string[]; env?: Record<string, string> } = {}): ChildDaemon {
  const configFile = join(String(raw.dataDir), `mixwatch-${Date.now()}.yaml`);
  writeFileSync(configFile, stringify(raw));
  const proc = spawn(
    process.execPath,
    ['--max-semi-space-size=64', join(root, 'services/cli/bin/mixwatch.mjs'), 'run', '--config', configFile, ...(options.args ?? [])],
    {
      cwd: root,
      env: { ...process.env, MIXWATCH_LOG_LEVEL: 'info', ...(options.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += String(d);
  });
  proc.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { proc, configFile, exited, output: () => out };
}

/** Runs `mixwatch <args>` to completion; returns exit code and output. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, 'services/cli/bin/mixwatch.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ...(options.env ?? {}) },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += String(d);
    });
    p.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`mixwatch ${args.join(' ')} timed out: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
