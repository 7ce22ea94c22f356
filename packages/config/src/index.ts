export { detectConfigSchema } from './detect.ts';
export * from './load.ts';
export { notifyConfigSchema } from './notify.ts';
export * from './schema.ts';
