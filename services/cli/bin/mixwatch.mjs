#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size=64: a 64 MiB young generation lets a getLogs range's flows die young
// instead of being copied and promoted; decoding runs ~2x faster (docs/benchmarks.md, decode rows).
// Entry point of the `mixwatch` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
