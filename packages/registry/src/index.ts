export * from './abi.ts';
export { DECODERS } from './decoders/index.ts';
export * from './registry.ts';
export * from './types.ts';
