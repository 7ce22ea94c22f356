import { getChain } from '@mixwatch/chain';
import { type Alert, SEVERITIES, type Severity, sqlString } from '@mixwatch/core';

/** Symbols valued 1:1 in US dollars. Everything else gets a USD value only when detect puts one in `details.usd`. */
export const USD_STABLECOINS: ReadonlySet<string> = new Set(['USDT', 'USDC', 'DAI', 'USDD', 'TUSD', 'BUSD', 'USDP', 'PYUSD', 'FDUSD']);

/** Slack Block Kit message (the JSON body of an incoming-webhook POST). */
export interface SlackMessage {
  /** Notification / fallback text (shown in push notifications and by clients without blocks). */
  text: string;
  blocks?: Record<string, unknown>[];
}

/** What an alert's amount means to a person: token, decimals applied, USD when known. */
export interface AmountView {
  /** e.g. `100 ETH`, `1,250,000.5 USDT`, or `123 (raw units)` when decimals are unknown. */
  text: string;
  symbol: string;
  /** Decimals applied; undefined when unknown. */
  decimals: number | undefined;
  /** Human amount as a decimal string (decimals applied), undefined when decimals are unknown. */
  value: string | undefined;
  /** USD value when known (stablecoins 1:1, or `details.usd`). */
  usd: number | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;

/** The first flow of the evidence, when detect put flows (objects) in `details.flows`. */
function firstFlow(alert: Alert): Record<string, unknown> | undefined {
  const flows = alert.details?.flows;
  if (Array.isArray(flows)) {
    const f = flows.find((x) => x && typeof x === 'object');
    if (f) return f as Record<string, unknown>;
  }
  const flow = alert.details?.flow;
  return flow && typeof flow === 'object' ? (flow as Record<string, unknown>) : undefined;
}

/** Applies `decimals` to a raw integer string without floats: `formatUnits('1500000', 6)` = `1.5`. */
export function formatUnits(raw: string, decimals: number): string {
  if (!/^\d+$/.test(raw)) return raw;
  const digits = raw.replace(/^0+(?=\d)/, '');
  if (decimals <= 0) return digits;
  const padded = digits.padStart(decimals + 1, '0');
  const int = padded.slice(0, -decimals);
  const frac = padded.slice(-decimals).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/** Thousands separators on the integer part, at most 6 fraction digits: `1234567.1234567` → `1,234,567.123456`. */
export function groupDigits(value: string): string {
  const [int = '0', frac] = value.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const f = frac?.slice(0, 6).replace(/0+$/, '');
  return f ? `${grouped}.${f}` : grouped;
}

/**
 * The amount of an alert for people. Token symbol and decimals come from the evidence
 * (`details.token_symbol`/`details.decimals`, else the first flow in `details.flows`), else the
 * chain's native coin when `details.token` is `native` or absent with a mixer/bridge service.
 */
export function amountView(alert: Alert): AmountView {
  const d = alert.details ?? {};
  const flow = firstFlow(alert);
  const chain = getChain(alert.chain);
  const token = str(d.token) ?? str(flow?.token);
  let symbol = str(d.token_symbol) ?? str(d.symbol) ?? str(flow?.token_symbol);
  let decimals = num(d.decimals) ?? num(flow?.decimals);
  if ((!symbol || decimals === undefined) && (token === 'native' || (!token && !symbol)) && chain) {
    symbol ??= chain.nativeSymbol;
    decimals ??= chain.addressFormat === 'tron' ? 6 : 18;
  }
  symbol ??= '';
  const raw = alert.amount && /^\d+$/.test(alert.amount) ? alert.amount : '0';
  const value = decimals !== undefined ? formatUnits(raw, decimals) : undefined;
  let usd = num(d.usd) ?? num(d.usd_value);
  if (usd === undefined && value !== undefined && USD_STABLECOINS.has(symbol.toUpperCase())) usd = Number(value);
  const text =
    value !== undefined
      ? `${groupDigits(value)}${symbol ? ` ${symbol}` : ''}`
      : `${groupDigits(raw)} (raw units${symbol ? ` of ${symbol}` : ''})`;
  return { text, symbol, decimals, value, usd };
}

/** `$1,234,567` (whole dollars at and above 1000, cents below). */
export function formatUsd(usd: number): string {
  const rounded = usd >= 1000 ? Math.round(usd).toString() : usd.toFixed(2);
  return `$${groupDigits(rounded)}`;
}

/** Explorer URL of a transaction on `chain` (Tronscan: `/#/transaction/<hash without 0x>`); undefined for unknown chains. */
export function txUrl(chain: string, hash: string): string | undefined {
  const c = getChain(chain);
  if (!c || !hash) return undefined;
  return c.addressFormat === 'tron' ? `${c.explorer}/transaction/${hash.replace(/^0x/, '')}` : `${c.explorer}/tx/${hash}`;
}

/** Explorer URL of an address on `chain`; undefined for unknown chains. */
export function addressUrl(chain: string, address: string): string | undefined {
  const c = getChain(chain);
  if (!c || !address) return undefined;
  return `${c.explorer}/address/${address}`;
}

/** `0x1234…abcd` for display. */
export function shortHex(s: string): string {
  return s.length > 16 ? `${s.slice(0, 8)}…${s.slice(-6)}` : s;
}

/** Slack mrkdwn escaping of the three control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function link(url: string | undefined, label: string): string {
  return url ? `<${url}|${escapeMrkdwn(label)}>` : `\`${escapeMrkdwn(label)}\``;
}

/** Labels of addresses from the evidence: `details.labels` ({address: label}) and `details.from_label` / `to_label`. */
function labelOf(alert: Alert, address: string, hint?: unknown): string | undefined {
  const labels = alert.details?.labels;
  if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
    const l = (labels as Record<string, unknown>)[address] ?? (labels as Record<string, unknown>)[address.toLowerCase()];
    if (typeof l === 'string' && l) return l;
    if (l && typeof l === 'object' && typeof (l as { label?: unknown }).label === 'string') return (l as { label: string }).label;
  }
  return str(hint);
}

/** From and to of the alert: `details.from`/`details.to`, else the first flow's, else `address` as the subject. */
export function parties(alert: Alert): { from: string | undefined; to: string | undefined; fromLabel?: string; toLabel?: string } {
  const d = alert.details ?? {};
  const flow = firstFlow(alert);
  const from =
    str(d.from) ?? str(d.from_address) ?? str(d.depositor) ?? str(flow?.from) ?? str(flow?.from_address) ?? (alert.address || undefined);
  const to = str(d.to) ?? str(d.to_address) ?? str(d.recipient) ?? str(flow?.to) ?? str(flow?.to_address);
  const out: { from: string | undefined; to: string | undefined; fromLabel?: string; toLabel?: string } = { from, to };
  // detect puts the origin label of the alert's subject in `details.label`
  const subjectLabel = (a: string) => (a.toLowerCase() === alert.address.toLowerCase() ? d.label : undefined);
  const fl = from ? labelOf(alert, from, d.from_label ?? subjectLabel(from)) : undefined;
  const tl = to ? labelOf(alert, to, d.to_label ?? subjectLabel(to)) : undefined;
  if (fl) out.fromLabel = fl;
  if (tl) out.toLabel = tl;
  return out;
}

/** `s` cut to `max` characters with an ellipsis. */
function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Keys of `details` shown elsewhere in the message (or too long for a brief). */
const EVIDENCE_SKIP = new Set([
  'rule',
  'labels',
  'label',
  'flows',
  'flow',
  'tx_hashes',
  'addresses',
  'token',
  'token_symbol',
  'symbol',
  'decimals',
  'from',
  'to',
  'from_label',
  'to_label',
  'depositor',
  'recipient',
  'confidence',
]);

/** One line of evidence: `details.summary` / `details.evidence` (string), else a few scalar facts. */
export function evidenceBrief(alert: Alert, max = 600): string {
  const d = alert.details ?? {};
  const s = str(d.summary) ?? str(d.evidence) ?? str(d.reason) ?? str(d.explanation);
  let text: string;
  if (s) text = s;
  else {
    const facts: string[] = [];
    for (const [k, v] of Object.entries(d)) {
      if (EVIDENCE_SKIP.has(k)) continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') facts.push(`${k}: ${clip(String(v), 80)}`);
      else if (Array.isArray(v)) facts.push(`${k}: ${v.length} item${v.length === 1 ? '' : 's'}`);
      else if (v && typeof v === 'object') {
        const inner = Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
          .slice(0, 4)
          .map(([ik, x]) => `${ik} ${clip(String(x), 60)}`);
        if (inner.length) facts.push(`${k}: ${inner.join(', ')}`);
      }
      if (facts.length >= 10) break;
    }
    text = facts.join(' · ');
  }
  const conf = num(d.confidence);
  if (conf !== undefined && !/confidence/i.test(text))
    text += `${text ? ' · ' : ''}confidence ${Math.round(conf * (conf <= 1 ? 100 : 1))}%`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A query an analyst can paste into `mixwatch sql` to dig further. */
export function digSql(alert: Alert): string {
  if (alert.address)
    return `SELECT block_time, service, action, from_address, to_address, token_symbol, amount, tx_hash FROM mixwatch.flows WHERE chain = ${sqlString(alert.chain)} AND (from_address = ${sqlString(alert.address)} OR to_address = ${sqlString(alert.address)} OR tx_from = ${sqlString(alert.address)}) ORDER BY block_time DESC LIMIT 100`;
  if (alert.tx_hash)
    return `SELECT * FROM mixwatch.flows WHERE chain = ${sqlString(alert.chain)} AND tx_hash = ${sqlString(alert.tx_hash)}`;
  return `SELECT * FROM mixwatch.alerts FINAL WHERE alert_id = ${sqlString(alert.alert_id)}`;
}

const SEVERITY_EMOJI: Record<string, string> = {
  info: ':information_source:',
  low: ':large_blue_circle:',
  medium: ':large_orange_circle:',
  high: ':red_circle:',
  critical: ':rotating_light:',
};

function plain(text: string, max = 150): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text: text.length > max ? `${text.slice(0, max - 1)}…` : text, emoji: true };
}

function mrkdwn(text: string, max = 3000): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: text.length > max ? `${text.slice(0, max - 1)}…` : text };
}

function party(alert: Alert, address: string | undefined, label: string | undefined): string {
  if (!address) return '—';
  const l = link(addressUrl(alert.chain, address), shortHex(address));
  return label ? `${l} (${escapeMrkdwn(clip(label, 100))})` : l;
}

/** The one-line text of an alert (Slack `text`, and the whole message of the plain-text fallback). */
export function alertText(alert: Alert): string {
  const a = amountView(alert);
  const usd = a.usd !== undefined ? ` (≈ ${formatUsd(a.usd)})` : '';
  return `[${alert.severity.toUpperCase()}] ${alert.rule} on ${alert.chain}: ${alert.title} — ${a.text}${usd}`;
}

/**
 * The Block Kit message of one alert: header with severity; fields rule, severity, chain, service,
 * amount (symbol, decimals, USD when known), block time; from/to with labels and explorer links;
 * the evidence in brief; tx link; a SQL line to dig further; the alert id in context.
 */
export function formatSlackAlert(alert: Alert): SlackMessage {
  const a = amountView(alert);
  const p = parties(alert);
  const when = alert.block_time ? new Date(alert.block_time * 1000).toISOString().replace('.000Z', 'Z') : '—';
  const amount = `${escapeMrkdwn(a.text)}${a.usd !== undefined ? ` (≈ ${formatUsd(a.usd)})` : ''}`;
  const tx = alert.tx_hash ? link(txUrl(alert.chain, alert.tx_hash), shortHex(alert.tx_hash)) : '—';
  const evidence = evidenceBrief(alert);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: plain(`${SEVERITY_EMOJI[alert.severity] ?? ''} ${alert.title}`.trim()) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Rule*\n\`${alert.rule}\``),
        mrkdwn(`*Severity*\n${alert.severity}`),
        mrkdwn(`*Chain*\n${escapeMrkdwn(alert.chain)}`),
        mrkdwn(`*Service*\n${escapeMrkdwn(alert.service || '—')}`),
        mrkdwn(`*Amount*\n${amount}`),
        mrkdwn(`*Block time*\n${when}`),
      ],
    },
    {
      type: 'section',
      fields: [mrkdwn(`*From*\n${party(alert, p.from, p.fromLabel)}`), mrkdwn(`*To*\n${party(alert, p.to, p.toLabel)}`)],
    },
  ];
  if (evidence) blocks.push({ type: 'section', text: mrkdwn(`*Evidence*\n${escapeMrkdwn(evidence)}`) });
  blocks.push({ type: 'section', text: mrkdwn(`*Transaction* ${tx}`) });
  blocks.push({ type: 'section', text: mrkdwn(`*Dig further* (\`mixwatch sql\`)\n\`\`\`${digSql(alert)}\`\`\``) });
  blocks.push({ type: 'context', elements: [mrkdwn(`mixwatch · alert \`${alert.alert_id}\``)] });
  return { text: alertText(alert), blocks };
}

/** The plain-text fallback when Slack refuses our blocks (`invalid_blocks`): the text only, no blocks. */
export function formatSlackText(alert: Alert): SlackMessage {
  const tx = alert.tx_hash ? ` tx ${txUrl(alert.chain, alert.tx_hash) ?? alert.tx_hash}` : '';
  return { text: `${alertText(alert)}${tx} (alert ${alert.alert_id})` };
}

/** The digest of several alerts sharing a rule, chain and address (a collapsed burst). */
export interface Digest {
  digest_id: string;
  rule: string;
  chain: string;
  address: string;
  alerts: Alert[];
  /** Alerts of this key already delivered before, for the "N so far" line. */
  deliveredBefore: number;
}

/** Sum of amounts when every alert has the same symbol and decimals; undefined otherwise. */
function digestTotal(alerts: Alert[]): AmountView | undefined {
  const views = alerts.map(amountView);
  const first = views[0];
  if (!first || first.decimals === undefined) return undefined;
  if (views.some((v) => v.symbol !== first.symbol || v.decimals !== first.decimals)) return undefined;
  const total = alerts.reduce((s, a) => s + BigInt(/^\d+$/.test(a.amount) ? a.amount : '0'), 0n);
  const value = formatUnits(total.toString(), first.decimals);
  const usdParts = views.map((v) => v.usd);
  const usd = usdParts.every((u) => u !== undefined) ? usdParts.reduce((s: number, u) => s + (u ?? 0), 0) : undefined;
  return {
    text: `${groupDigits(value)}${first.symbol ? ` ${first.symbol}` : ''}`,
    symbol: first.symbol,
    decimals: first.decimals,
    value,
    usd,
  };
}

/**
 * The Block Kit digest: one message for a burst (e.g. 25 more `denomination_burst` lots of one
 * address), with the count, total, time span, up to 10 tx links and a SQL line listing them all.
 */
export function formatSlackDigest(d: Digest): SlackMessage {
  const sorted = [...d.alerts].sort((a, b) => a.block_time - b.block_time);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const n = sorted.length;
  const total = digestTotal(sorted);
  const span =
    first && last
      ? `${new Date(first.block_time * 1000).toISOString().replace('.000Z', 'Z')} → ${new Date(last.block_time * 1000).toISOString().replace('.000Z', 'Z')}`
      : '—';
  const worst = sorted.reduce((w, a) => (severityRank(a.severity) > severityRank(w) ? a.severity : w), 'info' as string);
  const subject = d.address ? shortHex(d.address) : d.chain;
  const title = `${n} more ${d.rule} alert${n === 1 ? '' : 's'} for ${subject} on ${d.chain}`;
  const txLines = sorted
    .slice(0, 10)
    .map((a) => `• ${link(txUrl(a.chain, a.tx_hash), shortHex(a.tx_hash || a.alert_id))} ${escapeMrkdwn(amountView(a).text)}`)
    .join('\n');
  const more = n > 10 ? `\n…and ${n - 10} more` : '';
  const sql = `SELECT block_time, tx_hash, amount, title FROM mixwatch.alerts FINAL WHERE rule = ${sqlString(d.rule)} AND chain = ${sqlString(d.chain)}${d.address ? ` AND address = ${sqlString(d.address)}` : ''} ORDER BY block_time`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: plain(`${SEVERITY_EMOJI[worst] ?? ''} ${title}`.trim()) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Rule*\n\`${d.rule}\``),
        mrkdwn(`*Highest severity*\n${worst}`),
        mrkdwn(`*Chain*\n${escapeMrkdwn(d.chain)}`),
        mrkdwn(`*Address*\n${d.address ? link(addressUrl(d.chain, d.address), shortHex(d.address)) : '—'}`),
        mrkdwn(
          `*Total*\n${total ? `${escapeMrkdwn(total.text)}${total.usd !== undefined ? ` (≈ ${formatUsd(total.usd)})` : ''}` : 'mixed tokens'}`,
        ),
        mrkdwn(`*So far*\n${d.deliveredBefore + n} alerts of this key`),
      ],
    },
    { type: 'section', text: mrkdwn(`*Window* ${span}\n${txLines}${more}`) },
    { type: 'section', text: mrkdwn(`*Dig further* (\`mixwatch sql\`)\n\`\`\`${sql}\`\`\``) },
    { type: 'context', elements: [mrkdwn(`mixwatch digest \`${d.digest_id}\` · collapsed burst (Slack webhooks cannot edit messages)`)] },
  ];
  return { text: `${title}${total ? `: ${total.text}` : ''}`, blocks };
}

/** Plain-text fallback of a digest. */
export function formatSlackDigestText(d: Digest): SlackMessage {
  return { text: `${d.alerts.length} more ${d.rule} alerts for ${d.address || d.chain} on ${d.chain} (digest ${d.digest_id})` };
}

/** Index of a severity in SEVERITIES order (unknown = -1). */
export function severityRank(s: string): number {
  return SEVERITIES.indexOf(s as Severity);
}
