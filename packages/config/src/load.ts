import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@mixwatch/core';
import { parseDocument } from 'yaml';
import type { ZodError } from 'zod';
import { type Config, configSchema } from './schema.ts';

/** Options of {@link loadConfig}. */
export interface LoadConfigParameters {
  /** YAML file. Default: `./mixwatch.yaml` when it exists, else built-in defaults. */
  file?: string | undefined;
  /** Environment for `${ENV}` substitution and overrides. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Reads, substitutes, overrides and validates the configuration once, at start.
 * Order: YAML (with `${VAR}` / `${VAR:-default}` substituted) → env overrides
 * (MIXWATCH_DATA_DIR, MIXWATCH_CLICKHOUSE_URL, MIXWATCH_KAFKA_BROKERS, MIXWATCH_SLACK_WEBHOOK_URL,
 * MIXWATCH_RPC_<CHAIN>) → zod validation. Throws {@link ConfigError} naming the key and the expected form.
 */
export function loadConfig(parameters: LoadConfigParameters = {}): Config & { source: string } {
  const env = parameters.env ?? process.env;
  let raw: unknown = {};
  let source = 'built-in defaults';
  const file = parameters.file ?? (existsSync('mixwatch.yaml') ? 'mixwatch.yaml' : undefined);
  if (file) {
    const path = resolve(file);
    if (!existsSync(path)) throw new ConfigError(`config file ${file} does not exist`);
    const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      throw new ConfigError(`config file ${file}: invalid YAML: ${e?.message ?? 'unknown error'}`);
    }
    let js: unknown;
    try {
      js = doc.toJS();
    } catch (error) {
      // e.g. an alias to an anchor that is not defined (found by the config fuzz test)
      throw new ConfigError(`config file ${file}: invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    raw = substituteEnv(js ?? {}, env, []);
    source = path;
  }
  const merged = applyEnvOverrides(raw, env);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(`config (${source}): ${formatZodError(result.error)}`);
  return { ...result.data, source };
}

/** Validates an in-memory config object (tests, embedding). */
export function parseConfig(raw: unknown, env: Record<string, string | undefined> = {}): Config {
  const result = configSchema.safeParse(applyEnvOverrides(substituteEnv(raw, env, []), env));
  if (!result.success) throw new ConfigError(`config: ${formatZodError(result.error)}`);
  return result.data;
}

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substituteEnv(value: unknown, env: Record<string, string | undefined>, path: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR_RE, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(
        `config key ${path.join('.') || '(root)'}: environment variable ${name} is not set (use \${${name}:-default} for a default)`,
      );
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k])]));
  }
  return value;
}

function applyEnvOverrides(raw: unknown, env: Record<string, string | undefined>): unknown {
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError('config: the top level must be a mapping (key: value)');
  }
  const c = structuredClone((raw ?? {}) as Record<string, any>);
  if (env.MIXWATCH_DATA_DIR) c.dataDir = env.MIXWATCH_DATA_DIR;
  if (env.MIXWATCH_CLICKHOUSE_URL) c.store = { ...(c.store ?? {}), url: env.MIXWATCH_CLICKHOUSE_URL };
  if (env.MIXWATCH_CLICKHOUSE_USER) c.store = { ...(c.store ?? {}), username: env.MIXWATCH_CLICKHOUSE_USER };
  if (env.MIXWATCH_CLICKHOUSE_PASSWORD) c.store = { ...(c.store ?? {}), password: env.MIXWATCH_CLICKHOUSE_PASSWORD };
  if (env.MIXWATCH_KAFKA_BROKERS) {
    const brokers = env.MIXWATCH_KAFKA_BROKERS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    c.bus = { ...(c.bus ?? {}), kafka: { ...(c.bus?.kafka ?? {}), brokers } };
  }
  if (env.MIXWATCH_SLACK_WEBHOOK_URL) {
    c.notify = { ...(c.notify ?? {}), slack: { ...(c.notify?.slack ?? {}), webhookUrl: env.MIXWATCH_SLACK_WEBHOOK_URL } };
  }
  if (env.MIXWATCH_HTTP_PORT) c.http = { ...(c.http ?? {}), port: Number(env.MIXWATCH_HTTP_PORT) };
  for (const [k, v] of Object.entries(env)) {
    const m = /^MIXWATCH_RPC_([A-Z0-9_]+)$/.exec(k);
    if (!m?.[1] || !v) continue;
    const chain = m[1].toLowerCase();
    const urls = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    c.chains = { ...(c.chains ?? { ethereum: {} }) };
    c.chains[chain] = { ...(c.chains[chain] ?? {}), rpc: urls };
  }
  return c;
}

function formatZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const key = i.path.length ? i.path.join('.') : '(root)';
      return `key ${key}: ${i.message}`;
    })
    .join('; ');
}
