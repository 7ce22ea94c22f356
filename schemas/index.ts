import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** A versioned ClickHouse migration: `schemas/clickhouse/NNNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  /** Statements in order (the file split on `;` at line ends). */
  statements: string[];
}

/** All migrations, ordered by version. */
export function clickhouseMigrations(): Migration[] {
  const dir = join(here, 'clickhouse');
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const statements = text
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean);
      return { version: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), statements };
    });
}

/** Path of a Kafka topic's JSON schema (`schemas/kafka/<topic>.schema.json`). */
export function kafkaSchemaPath(topic: string): string {
  return join(here, 'kafka', `${topic}.schema.json`);
}

/** The parsed JSON schema of a topic. */
export function kafkaSchema(topic: string): Record<string, unknown> {
  return JSON.parse(readFileSync(kafkaSchemaPath(topic), 'utf8'));
}
