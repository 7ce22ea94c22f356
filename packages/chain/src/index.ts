export * from './blocks.ts';
export * from './chains.ts';
export * from './getLogs.ts';
export * from './rpc.ts';
export * from './tron.ts';
