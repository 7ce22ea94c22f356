export * from './common.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './retry.ts';
export * from './sql.ts';
export * from './types.ts';
