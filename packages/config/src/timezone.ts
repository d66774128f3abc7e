// Time zone names, shared by the schema and the [pricing] validation.

/** True when `tz` is an IANA time zone name this Node runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  if (tz.trim() === '') return false;
  // the zero-offset names without Intl: its first DateTimeFormat costs a process about 8 MB of RSS
  // (@dsp/core's periods.ts does the same, and this package imports nothing of ours)
  if (/^(etc\/)?(utc|gmt|uct|zulu|universal)$/i.test(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
