export * from './engine.ts';
export * from './persist.ts';
export * from './role.ts';
export * from './types.ts';
