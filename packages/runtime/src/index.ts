export * from './factories.ts';
export * from './role.ts';
