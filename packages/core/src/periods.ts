// Quota periods: days and months in the operator's timezone, resetting at local midnight.
import type { Period } from './keys.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * UTC (the default `quota.timezone`) and its zero-offset aliases need no time-zone data. Intl's
 * first DateTimeFormat, even for UTC, costs a process about 8 MB of RSS (ICU's locale, calendar and
 * zone data paged in), paid in every HTTP worker (docs/PERFORMANCE.md, optimisation log).
 */
export const isUtcZone = (timeZone: string): boolean => /^(etc\/)?(utc|gmt|uct|zulu|universal)$/i.test(timeZone);

export function localTime(timeZone: string, epochMs: number): LocalTime {
  if (isUtcZone(timeZone)) {
    const d = new Date(epochMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

/** Milliseconds the zone is ahead of UTC at that instant. */
function offsetMs(timeZone: string, epochMs: number): number {
  const l = localTime(timeZone, epochMs);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The UTC instant of a local wall-clock midnight (y, m, d may overflow; Date.UTC normalises). */
export function localMidnight(timeZone: string, year: number, month: number, day: number): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetMs(timeZone, guess);
  // a DST change between the guess and the answer moves the offset; one refinement settles it
  const t = guess - offsetMs(timeZone, first);
  if (localDay(timeZone, t) >= guess) return t;
  // the zone skips this midnight (DST starting at 00:00, e.g. America/Santiago): the day begins at
  // the jump, the first second whose local date is that day; gaps are at most a few hours
  let lo = t;
  let hi = t + 3 * 3600_000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (localDay(timeZone, mid) >= guess) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The local calendar date at that instant, as the UTC midnight of the same date. */
function localDay(timeZone: string, epochMs: number): number {
  const l = localTime(timeZone, epochMs);
  return Date.UTC(l.year, l.month - 1, l.day);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The period at an instant; resetsAt / monthResetsAt: epoch ms of the next local midnight / month start. */
export function periodAt(timeZone: string, epochMs: number): Period & { resetsAt: number; monthResetsAt: number } {
  const l = localTime(timeZone, epochMs);
  const nextDay = localMidnight(timeZone, l.year, l.month, l.day + 1);
  const nextMonth = localMidnight(timeZone, l.year, l.month + 1, 1);
  return {
    day: `${l.year}${pad(l.month)}${pad(l.day)}`,
    month: `${l.year}${pad(l.month)}`,
    daySecondsLeft: Math.max(1, Math.ceil((nextDay - epochMs) / 1000)),
    monthSecondsLeft: Math.max(1, Math.ceil((nextMonth - epochMs) / 1000)),
    resetsAt: nextDay,
    monthResetsAt: nextMonth,
  };
}

/**
 * A clock for the hot path: the period is recomputed only when a second has passed, so a request
 * pays for Intl formatting at most once a second per worker.
 */
export class PeriodClock {
  private cached: (Period & { resetsAt: number }) | null = null;
  private cachedAt = 0;
  constructor(private readonly timeZone: string) {}

  now(epochMs = Date.now()): Period {
    const c = this.cached;
    if (c && epochMs < c.resetsAt && epochMs - this.cachedAt < 1000) return c;
    this.cached = periodAt(this.timeZone, epochMs);
    this.cachedAt = epochMs;
    return this.cached;
  }
}
