import { z } from 'zod';

/** Detection settings (rule thresholds and windows). Owned by services/detect; defaults documented there. */
export const detectConfigSchema = z.object({}).passthrough().default({});
