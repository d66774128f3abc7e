// Time zone names, shared by the schema and the [pricing] validation.

/** True when `tz` is an IANA time zone name this Node runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  if (tz.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
