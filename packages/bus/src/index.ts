export * from './memory.ts';
export * from './topics.ts';
