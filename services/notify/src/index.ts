import type { RoleContext, RoleHandle } from '@mixwatch/runtime';
import { createNotifier } from './notifier.ts';

export * from './channels.ts';
export * from './format.ts';
export { type CreateNotifierParameters, createNotifier } from './notifier.ts';
export * from './outbox.ts';
export * from './transport.ts';

/**
 * Entry point of the notify role: delivers alerts from `mixwatch.alerts.v1` (consumer group
 * `notify`) to Slack incoming webhooks and generic signed webhooks through the durable outbox
 * `mixwatch.notify_outbox` (every attempt in `mixwatch.notify_deliveries`). Needs the store
 * migrations applied (0200_notify). Channels come from `config.notify` with secrets from the
 * environment; see docs/alerts-and-dashboards.md.
 */
export async function startNotify(ctx: RoleContext): Promise<RoleHandle> {
  return createNotifier(ctx);
}
