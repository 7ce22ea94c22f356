export * from './chains.ts';
