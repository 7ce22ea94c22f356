import type { Command } from 'commander';

/** `mixwatch labels …` — registered by the detection work (services/detect, packages/labels). */
export function register(_program: Command): void {}
