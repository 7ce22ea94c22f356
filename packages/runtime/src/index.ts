export * from './factories.ts';
export * from './http.ts';
export * from './role.ts';
