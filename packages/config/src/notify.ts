import { RULES, SEVERITIES } from '@mixwatch/core';
import { z } from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const webhookUrl = z.string().refine((s) => /^https?:\/\/[^\s]+$/.test(s), { message: 'expected an http(s) URL' });

/**
 * Which alerts a channel receives. Every given condition must hold; an empty match takes every alert.
 * `minSeverity` compares in SEVERITIES order (info < low < medium < high < critical).
 */
export const notifyMatchSchema = z
  .object({
    rules: z.array(z.enum(RULES)).min(1).optional(),
    severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
    minSeverity: z.enum(SEVERITIES).optional(),
    chains: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/**
 * One delivery channel. The URL is a secret (Slack webhook tokens live in its path): give it as
 * `urlEnv` (the name of an environment variable, read at start) or as `url: ${SOME_ENV}` — never
 * the value itself in a committed file. Generic webhooks sign every body with HMAC-SHA256 using
 * the key in the environment variable `hmacKeyEnv` (required for `type: webhook`).
 */
export const notifyChannelSchema = z
  .object({
    /** Label in metrics, logs and the outbox (`channel` column); lowercase. */
    name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'channel names are lowercase letters, digits, _ and -'),
    type: z.enum(['slack', 'webhook']),
    url: webhookUrl.optional(),
    urlEnv: envName.optional(),
    hmacKeyEnv: envName.optional(),
    match: notifyMatchSchema.prefault({}),
    /** Messages per second on this URL. Default 1 (Slack incoming webhooks allow about one per second). */
    ratePerSecond: z.number().positive().max(100).default(1),
    /** Per-request timeout, ms. Default 10 000. */
    timeoutMs: z.number().int().min(100).default(10_000),
  })
  .strict()
  .refine((c) => Boolean(c.url) !== Boolean(c.urlEnv), {
    message: 'give exactly one of url (substituted from an environment variable) or urlEnv',
    path: ['url'],
  })
  .refine((c) => c.type !== 'webhook' || Boolean(c.hmacKeyEnv), {
    message: 'a webhook channel needs hmacKeyEnv (the environment variable holding the HMAC key)',
    path: ['hmacKeyEnv'],
  });

/**
 * Delivery settings (Slack, webhooks). Owned by services/notify.
 *
 * - `slack.webhookUrl` (env MIXWATCH_SLACK_WEBHOOK_URL sets it) defines a Slack channel named `slack`
 *   that receives every alert matching `slack.match` (default: all).
 * - `channels` adds more Slack or generic-webhook channels, each with its own `match`: routing by
 *   rule, severity and chain. An alert goes to every channel whose match holds.
 * - `digest`: alerts of the same rule, chain and address within `windowSec` after a delivered one are
 *   held and sent as one digest message at most every `intervalSec` (Slack incoming webhooks cannot
 *   edit a message, so a burst becomes one message plus a few digests, not one ping per lot).
 * - `retry`: in-request retries (429 honours Retry-After; 5xx, timeouts and network errors back off),
 *   then the alert stays pending in the outbox and is retried from `next_attempt`, forever: never dropped.
 */
export const notifyConfigSchema = z
  .object({
    /** false = the notify role subscribes and keeps the outbox but sends nothing (maintenance). */
    enabled: z.boolean().default(true),
    slack: z
      .object({
        webhookUrl: webhookUrl.optional(),
        match: notifyMatchSchema.prefault({}),
        ratePerSecond: z.number().positive().max(100).default(1),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .optional(),
    channels: z.array(notifyChannelSchema).default([]),
    digest: z
      .object({
        /** Collapse window after a delivered alert of the same key, seconds. Default 3600 (one hour). */
        windowSec: z.number().int().min(0).default(3_600),
        /** Least time between two messages of the same key, seconds. Default 900. */
        intervalSec: z.number().int().min(1).default(900),
        /** Rules never collapsed (each alert is its own message). Default: issuer_freeze (each freeze is its own event). */
        exemptRules: z.array(z.enum(RULES)).default(['issuer_freeze']),
        /** Most alerts listed in one digest message (the rest follow in the next). Default 50. */
        maxItems: z.number().int().min(1).max(200).default(50),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        /** HTTP attempts per delivery round, first included. Default 3. */
        attempts: z.number().int().min(1).max(20).default(3),
        /** First backoff, ms (doubled per attempt, full jitter). Default 500. */
        baseDelayMs: z.number().int().min(1).default(500),
        /** Longest wait between two delivery rounds of one alert, ms. Default 300 000 (5 min). */
        maxDelayMs: z.number().int().min(10).default(300_000),
      })
      .strict()
      .prefault({}),
    /**
     * On start, alerts stored in `mixwatch.alerts` in the last this-many seconds (by `created_at`) that
     * have no outbox row are taken in: the in-process bus does not survive a crash, the alerts table
     * does. 0 disables. Default 86 400 (one day: older alerts are not pushed to chat after an outage).
     */
    resumeWindowSec: z.number().int().min(0).default(86_400),
    /** How often the worker looks for due outbox rows, ms (it is also woken by new alerts). Default 1000. */
    pollIntervalMs: z.number().int().min(10).default(1_000),
  })
  .strict()
  .prefault({});

/** The validated `notify` section. */
export type NotifyConfig = z.infer<typeof notifyConfigSchema>;
/** One validated channel of `notify.channels`. */
export type NotifyChannelConfig = z.infer<typeof notifyChannelSchema>;
/** A validated channel `match`. */
export type NotifyMatch = z.infer<typeof notifyMatchSchema>;
