export * from './bus.ts';
export * from './errors.ts';
