export * from './anvil.ts';
export * from './daemon.ts';
export * from './emitter.ts';
export * from './fixtures.ts';
export * from './flaky-rpc.ts';
export * from './replay.ts';
