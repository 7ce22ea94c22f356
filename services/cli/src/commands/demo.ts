import type { Command } from 'commander';

/** `mixwatch demo` — registered by the detection work (services/detect, packages/labels). */
export function register(_program: Command): void {}
