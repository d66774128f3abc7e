// Calendar days (YYYY-MM-DD) in the quota timezone and the UTC instants that bound them.
import { localMidnight, localTime } from '@dsp/core';
import { ServiceError } from './errors.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function parseDay(s: string, what = 'date'): { y: number; m: number; d: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s));
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const probe = new Date(Date.UTC(y, mo - 1, d));
    if (probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d) return { y, m: mo, d };
  }
  throw new ServiceError('invalid_argument', `invalid ${what} ${JSON.stringify(s)}: expected YYYY-MM-DD`);
}

export function formatDay(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function todayIn(timeZone: string, epochMs: number): string {
  const l = localTime(timeZone, epochMs);
  return formatDay(l.year, l.month, l.day);
}

export function addDays(day: string, n: number): string {
  const { y, m, d } = parseDay(day);
  return formatDay(y, m, d + n);
}

/** The UTC instant (ms) of the local midnight starting `day`. */
export function dayStart(timeZone: string, day: string): number {
  const { y, m, d } = parseDay(day);
  return localMidnight(timeZone, y, m, d);
}

/** [from 00:00, to+1 00:00) in the zone, validating the range. */
export function dayRange(timeZone: string, from: string, to: string): { start: Date; end: Date } {
  parseDay(from, 'from date');
  parseDay(to, 'to date');
  if (from > to) throw new ServiceError('invalid_argument', `from date ${from} is after to date ${to}`);
  return { start: new Date(dayStart(timeZone, from)), end: new Date(dayStart(timeZone, addDays(to, 1))) };
}

/** A report's day range: `to` defaults to today, `from` to 29 days before `to`; validated. */
export function resolveDayRange(timeZone: string, nowMs: number, r: { from?: string; to?: string }): { from: string; to: string; start: Date; end: Date } {
  const to = r.to ?? todayIn(timeZone, nowMs);
  const from = r.from ?? addDays(to, -29);
  return { from, to, ...dayRange(timeZone, from, to) };
}
