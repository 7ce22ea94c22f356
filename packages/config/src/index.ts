export { type DetectConfig, detectConfigSchema } from './detect.ts';
export * from './load.ts';
export { type NotifyChannelConfig, type NotifyConfig, type NotifyMatch, notifyConfigSchema } from './notify.ts';
export * from './schema.ts';
