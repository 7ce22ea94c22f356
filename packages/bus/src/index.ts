export * from './kafka/index.ts';
export * from './memory.ts';
export * from './topics.ts';
export * from './validate.ts';
