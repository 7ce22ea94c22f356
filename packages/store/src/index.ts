export * from './rowbinary.ts';
export * from './rows.ts';
export * from './store.ts';
