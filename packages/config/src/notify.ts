import { z } from 'zod';

/** Delivery settings (Slack, webhooks). Owned by services/notify. */
export const notifyConfigSchema = z.object({}).passthrough().default({});
