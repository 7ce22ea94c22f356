import type { Config } from '@mixwatch/config';
import { type Alert, ConfigError, redactUrl, SEVERITIES, type Severity } from '@mixwatch/core';

/** A channel's routing filter (`notify.channels[].match`). */
export type ChannelMatch = Config['notify']['channels'][number]['match'];

/** A channel ready to use: secrets resolved from the environment, never printed (see `where`). */
export interface ResolvedChannel {
  name: string;
  type: 'slack' | 'webhook';
  /** Secret. */
  url: string;
  /** Redacted URL for logs: scheme, host and port only. */
  where: string;
  /** Secret (webhook channels). */
  hmacKey: string | undefined;
  match: ChannelMatch;
  ratePerSecond: number;
  timeoutMs: number;
}

/** True when `alert` passes every condition of `match` (an empty match takes every alert). */
export function matches(match: ChannelMatch, alert: Pick<Alert, 'rule' | 'severity' | 'chain'>): boolean {
  if (match.rules && !match.rules.includes(alert.rule)) return false;
  if (match.severities && !match.severities.includes(alert.severity)) return false;
  if (match.minSeverity && SEVERITIES.indexOf(alert.severity as Severity) < SEVERITIES.indexOf(match.minSeverity)) return false;
  if (match.chains && !match.chains.includes(alert.chain)) return false;
  return true;
}

/**
 * The channels of the `notify` config: `slack.webhookUrl` (env MIXWATCH_SLACK_WEBHOOK_URL) as the
 * channel `slack`, then `channels[]`, with `urlEnv` / `hmacKeyEnv` read from `env`. Throws
 * {@link ConfigError} naming the key when an environment variable is missing or names clash.
 */
export function resolveChannels(notify: Config['notify'], env: Record<string, string | undefined> = process.env): ResolvedChannel[] {
  const out: ResolvedChannel[] = [];
  if (notify.slack?.webhookUrl) {
    out.push({
      name: 'slack',
      type: 'slack',
      url: notify.slack.webhookUrl,
      where: redactUrl(notify.slack.webhookUrl),
      hmacKey: undefined,
      match: notify.slack.match,
      ratePerSecond: notify.slack.ratePerSecond,
      timeoutMs: notify.slack.timeoutMs,
    });
  }
  notify.channels.forEach((c, i) => {
    const key = `notify.channels.${i}`;
    if (out.some((o) => o.name === c.name))
      throw new ConfigError(`config key ${key}.name: channel name ${c.name} is used twice (\`slack\` is taken by notify.slack)`);
    const url = c.url ?? (c.urlEnv ? env[c.urlEnv] : undefined);
    if (!url) throw new ConfigError(`config key ${key}.urlEnv: environment variable ${c.urlEnv} is not set (channel ${c.name})`);
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError(`config key ${key}: the URL of channel ${c.name} is not an http(s) URL`);
    let hmacKey: string | undefined;
    if (c.hmacKeyEnv) {
      hmacKey = env[c.hmacKeyEnv];
      if (!hmacKey)
        throw new ConfigError(`config key ${key}.hmacKeyEnv: environment variable ${c.hmacKeyEnv} is not set (channel ${c.name})`);
    }
    out.push({
      name: c.name,
      type: c.type,
      url,
      where: redactUrl(url),
      hmacKey,
      match: c.match,
      ratePerSecond: c.ratePerSecond,
      timeoutMs: c.timeoutMs,
    });
  });
  return out;
}
