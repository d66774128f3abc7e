import { describe, expect, it } from 'vitest';
import { PeriodClock, isUtcZone, localMidnight, localTime, periodAt } from './periods.js';

const at = (iso: string) => Date.parse(iso);
const H = 3600;
const D = 24 * H;

/** the fields of periodAt that matter, for compact expectations */
function p(tz: string, iso: string) {
  const r = periodAt(tz, at(iso));
  return { day: r.day, month: r.month, dayLeft: r.daySecondsLeft, monthLeft: r.monthSecondsLeft, resetsAt: new Date(r.resetsAt).toISOString() };
}

describe('periodAt: UTC', () => {
  it('mid-day: the day and month keys, seconds to midnight and to the 1st', () => {
    expect(p('UTC', '2026-12-15T10:30:00Z')).toEqual({
      day: '20261215',
      month: '202612',
      dayLeft: 13.5 * H,
      monthLeft: 16 * D + 13.5 * H,
      resetsAt: '2026-12-16T00:00:00.000Z',
    });
  });

  it('exactly at midnight a full day is left; one second before, one second', () => {
    expect(p('UTC', '2026-12-01T00:00:00Z')).toMatchObject({ day: '20261201', month: '202612', dayLeft: D, monthLeft: 31 * D });
    expect(p('UTC', '2026-11-30T23:59:59Z')).toMatchObject({ day: '20261130', month: '202611', dayLeft: 1, monthLeft: 1 });
  });

  it('sub-second instants round up, never to 0', () => {
    expect(p('UTC', '2026-12-31T23:59:59.001Z')).toMatchObject({ day: '20261231', dayLeft: 1, monthLeft: 1 });
    expect(p('UTC', '2026-12-31T23:59:59.999Z')).toMatchObject({ day: '20261231', dayLeft: 1, monthLeft: 1 });
    expect(p('UTC', '2026-12-31T23:59:58.500Z')).toMatchObject({ dayLeft: 2 });
  });

  it('year end rolls the month key into January', () => {
    expect(p('UTC', '2027-01-01T00:00:00Z')).toMatchObject({ day: '20270101', month: '202701', dayLeft: D, monthLeft: 31 * D });
  });

  it('month ends of February: 28 and 29 days', () => {
    expect(p('UTC', '2027-02-28T12:00:00Z')).toMatchObject({ day: '20270228', month: '202702', dayLeft: 12 * H, monthLeft: 12 * H });
    expect(p('UTC', '2028-02-28T12:00:00Z')).toMatchObject({ day: '20280228', month: '202802', dayLeft: 12 * H, monthLeft: D + 12 * H });
    expect(p('UTC', '2028-02-01T00:00:00Z')).toMatchObject({ monthLeft: 29 * D });
    // 30-day months
    expect(p('UTC', '2026-04-01T00:00:00Z')).toMatchObject({ month: '202604', monthLeft: 30 * D });
  });
});

describe('periodAt: Asia/Shanghai (UTC+8, no DST)', () => {
  it('local midnight is 16:00 UTC of the day before', () => {
    expect(p('Asia/Shanghai', '2026-11-30T16:00:00Z')).toEqual({
      day: '20261201',
      month: '202612',
      dayLeft: D,
      monthLeft: 31 * D,
      resetsAt: '2026-12-01T16:00:00.000Z',
    });
    expect(p('Asia/Shanghai', '2026-11-30T15:59:59Z')).toMatchObject({ day: '20261130', month: '202611', dayLeft: 1, monthLeft: 1 });
  });

  it('the local day differs from the UTC day between 16:00 and 24:00 UTC', () => {
    // 2026-12-01 20:00 UTC is 2026-12-02 04:00 in Shanghai
    expect(p('Asia/Shanghai', '2026-12-01T20:00:00Z')).toMatchObject({ day: '20261202', dayLeft: 20 * H });
    expect(p('UTC', '2026-12-01T20:00:00Z')).toMatchObject({ day: '20261201', dayLeft: 4 * H });
  });

  it("the local month (and year) change before UTC's", () => {
    expect(p('Asia/Shanghai', '2026-12-31T16:30:00Z')).toMatchObject({ day: '20270101', month: '202701', dayLeft: 23.5 * H, monthLeft: 30 * D + 23.5 * H });
    expect(p('UTC', '2026-12-31T16:30:00Z')).toMatchObject({ day: '20261231', month: '202612' });
    // February in Shanghai, non-leap year: ends 2027-02-28T16:00Z
    expect(p('Asia/Shanghai', '2027-02-28T15:00:00Z')).toMatchObject({ day: '20270228', month: '202702', dayLeft: H, monthLeft: H });
  });
});

describe('periodAt: America/New_York on DST change days', () => {
  it('spring forward (2026-03-08, 02:00 EST → 03:00 EDT): a 23-hour day', () => {
    expect(p('America/New_York', '2026-03-08T05:00:00Z')).toEqual({
      day: '20260308',
      month: '202603',
      dayLeft: 23 * H,
      monthLeft: 23 * D + 23 * H,
      resetsAt: '2026-03-09T04:00:00.000Z',
    });
    // 01:59:59 EST, one second before the jump: 21 h 0 m 1 s to midnight EDT
    expect(p('America/New_York', '2026-03-08T06:59:59Z')).toMatchObject({ day: '20260308', dayLeft: 21 * H + 1 });
    // 03:00 EDT, right after the jump
    expect(p('America/New_York', '2026-03-08T07:00:00Z')).toMatchObject({ day: '20260308', dayLeft: 21 * H });
    // the day before and after are normal
    expect(p('America/New_York', '2026-03-07T05:00:00Z')).toMatchObject({ day: '20260307', dayLeft: D });
    expect(p('America/New_York', '2026-03-09T04:00:00Z')).toMatchObject({ day: '20260309', dayLeft: D });
  });

  it('fall back (2026-11-01, 02:00 EDT → 01:00 EST): a 25-hour day, the repeated hour included', () => {
    expect(p('America/New_York', '2026-11-01T04:00:00Z')).toEqual({
      day: '20261101',
      month: '202611',
      dayLeft: 25 * H,
      monthLeft: 29 * D + 25 * H,
      resetsAt: '2026-11-02T05:00:00.000Z',
    });
    // 01:30 EDT and 01:30 EST: the same wall clock, an hour apart
    expect(p('America/New_York', '2026-11-01T05:30:00Z')).toMatchObject({ day: '20261101', dayLeft: 23.5 * H });
    expect(p('America/New_York', '2026-11-01T06:30:00Z')).toMatchObject({ day: '20261101', dayLeft: 22.5 * H });
  });

  it('a month containing the spring change is an hour short', () => {
    expect(p('America/New_York', '2026-03-01T05:00:00Z')).toMatchObject({ day: '20260301', month: '202603', dayLeft: D, monthLeft: 31 * D - H });
    expect(p('America/New_York', '2026-11-01T04:00:00Z')).toMatchObject({ month: '202611' });
    expect(p('America/New_York', '2026-10-31T23:00:00Z')).toMatchObject({ day: '20261031', month: '202610', dayLeft: 5 * H, monthLeft: 5 * H });
  });
});

describe('localMidnight', () => {
  it('the UTC instant of a local midnight, with overflowing days and months normalised', () => {
    expect(localMidnight('UTC', 2026, 12, 32)).toBe(at('2027-01-01T00:00:00Z'));
    expect(localMidnight('UTC', 2026, 13, 1)).toBe(at('2027-01-01T00:00:00Z'));
    expect(localMidnight('Asia/Shanghai', 2026, 12, 1)).toBe(at('2026-11-30T16:00:00Z'));
    expect(localMidnight('America/New_York', 2026, 3, 8)).toBe(at('2026-03-08T05:00:00Z'));
    expect(localMidnight('America/New_York', 2026, 3, 9)).toBe(at('2026-03-09T04:00:00Z'));
    expect(localMidnight('America/New_York', 2026, 11, 2)).toBe(at('2026-11-02T05:00:00Z'));
  });

  it('a zone whose DST starts at midnight (America/Santiago, 2026-09-06 00:00 → 01:00): the day starts at the jump', () => {
    // 2026-09-06T03:30Z is still 2026-09-05 23:30 (-04); the local 6th begins at 04:00Z (01:00 -03)
    expect(localTime('America/Santiago', at('2026-09-06T03:59:59Z'))).toMatchObject({ day: 5, hour: 23 });
    expect(localTime('America/Santiago', at('2026-09-06T04:00:00Z'))).toMatchObject({ day: 6, hour: 1 });
    expect(localMidnight('America/Santiago', 2026, 9, 6)).toBe(at('2026-09-06T04:00:00Z'));
    expect(p('America/Santiago', '2026-09-06T03:30:00Z')).toMatchObject({ day: '20260905', dayLeft: 30 * 60 });
    expect(p('America/Santiago', '2026-09-06T04:00:00Z')).toMatchObject({ day: '20260906', dayLeft: 23 * H });
    // and its fall back at midnight (2026-04-05 00:00 -03 → 2026-04-04 23:00 -04): a 25-hour 4th
    expect(localMidnight('America/Santiago', 2026, 4, 5)).toBe(at('2026-04-05T04:00:00Z'));
    expect(p('America/Santiago', '2026-04-04T03:00:00Z')).toMatchObject({ day: '20260404', dayLeft: 25 * H });
  });
});

describe('PeriodClock', () => {
  it('reuses a period within a second, never across the reset', () => {
    const clock = new PeriodClock('UTC');
    const a = clock.now(at('2026-12-31T23:59:59.200Z'));
    expect(clock.now(at('2026-12-31T23:59:59.700Z'))).toBe(a);
    const b = clock.now(at('2027-01-01T00:00:00.000Z'));
    expect(b).not.toBe(a);
    expect(b).toMatchObject({ day: '20270101', month: '202701', daySecondsLeft: D });
  });

  it('recomputes once a second has passed', () => {
    const clock = new PeriodClock('Asia/Shanghai');
    const a = clock.now(at('2026-12-01T00:00:00Z'));
    expect(a.daySecondsLeft).toBe(16 * H);
    const b = clock.now(at('2026-12-01T00:00:01Z'));
    expect(b.daySecondsLeft).toBe(16 * H - 1);
  });
});

describe('localTime: UTC and its aliases without Intl', () => {
  it('every zero-offset name Intl knows is taken by the fast path, and nothing else', () => {
    for (const z of ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'UCT', 'Zulu', 'Universal', 'utc', 'etc/utc']) {
      expect(isUtcZone(z), z).toBe(true);
      expect(new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone, z).toBe('UTC');
    }
    for (const z of ['Europe/London', 'Etc/GMT+1', 'UTC+1', 'UTCX', 'Asia/Shanghai', '']) expect(isUtcZone(z), z).toBe(false);
  });

  // Africa/Abidjan has been at UTC+0 without DST since 1912, and is not a UTC alias: its local
  // time comes from the Intl path, so it is the fast path's oracle
  it('gives what the Intl path gives, at 2,000 instants from 1970 to 2100 and around month and year ends', () => {
    const instants = [at('2026-12-31T23:59:59.999Z'), at('2027-01-01T00:00:00Z'), at('2028-02-29T12:00:00Z'), at('2026-03-01T00:00:00Z')];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31; // a fixed sequence: reproducible
      instants.push(Math.floor((x / 2 ** 31) * 4_102_444_800_000));
    }
    expect(isUtcZone('Africa/Abidjan')).toBe(false);
    for (const t of instants) expect(localTime('Etc/UTC', t), new Date(t).toISOString()).toEqual(localTime('Africa/Abidjan', t));
  });
});
