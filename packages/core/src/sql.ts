/** A ClickHouse string literal of `text` (backslash and quote escaped), for SQL built in code or shown to analysts. */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
