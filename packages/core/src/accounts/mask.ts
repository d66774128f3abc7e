// An API key as it may be shown to an operator: its prefix and last four characters, never more.

/** `sk-0123456789abcd` → `sk-…abcd`; a key too short to hide anything shows no characters at all. */
export function maskKey(key: string): string {
  const k = key.trim();
  if (k.length < 12) return '…';
  const dash = k.indexOf('-');
  const prefix = dash > 0 && dash <= 4 ? k.slice(0, dash + 1) : '';
  return `${prefix}…${k.slice(-4)}`;
}
