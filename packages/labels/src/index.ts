export * from './csv.ts';
export * from './labels.ts';
export * from './store.ts';
