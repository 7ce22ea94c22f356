import type { Bus } from '@mixwatch/bus';
import type { Config } from '@mixwatch/config';
import type { Common } from '@mixwatch/core';
import type { Store } from '@mixwatch/store';

/** The four roles of the pipeline (ARCHITECTURE §2). */
export const ROLES = ['ingest', 'sink', 'detect', 'notify'] as const;
export type RoleName = (typeof ROLES)[number];

/** What every role's `start` receives: one bag, built by the daemon from the config. */
export interface RoleContext {
  config: Config;
  common: Common;
  bus: Bus;
  store: Store;
}

/** A running role. */
export interface RoleHandle {
  name: RoleName;
  /** True when the role does its job now (for `/readyz`); a reason when not. */
  health(): { ready: boolean; detail?: string };
  /** Graceful stop: finish the current unit of work, flush, return. */
  stop(): Promise<void>;
}

/** Signature every service's entry point implements: `startIngest`, `startSink`, `startDetect`, `startNotify`. */
export type StartRole = (ctx: RoleContext) => Promise<RoleHandle>;
