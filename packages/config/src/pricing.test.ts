import { describe, expect, it } from 'vitest';
import type { ConfigError } from './errors.js';
import { parseConfig } from './load.js';
import { parseAmount } from './pricing.js';
import { thrown } from './test-helpers.js';

const FILE = '/srv/dsp/deepseek-proxy.toml';
const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { file: FILE, env });
const fail = (text: string) => thrown(() => parse(text)) as ConfigError;

const FLASH = `
[pricing."deepseek-v4-flash"]
currency = "CNY"
input_cache_hit = 0.2
input_cache_miss = 2
output = "3"
off_peak = { from = "16:30", to = "00:30", tz = "UTC", factor = 0.5 }
[[pricing."deepseek-v4-flash".changes]]
from = 2027-01-01T00:00:00Z
input_cache_hit = 0.1
input_cache_miss = 1
output = 2
[[pricing."deepseek-v4-flash".changes]]
from = "2027-06-01T08:00:00+08:00"
input_cache_hit = 0.1
input_cache_miss = 1
output = 2.5
off_peak = false
`;

describe('[pricing]', () => {
  it('is empty by default: no model has a price', () => {
    expect(parse('').config.pricing).toEqual({});
  });

  it('parses prices to exact decimal strings, with off-peak hours and dated changes', () => {
    const { config, warnings } = parse(FLASH);
    expect(warnings).toEqual([]);
    expect(config.pricing).toEqual({
      'deepseek-v4-flash': {
        currency: 'CNY',
        input_cache_hit: '0.2',
        input_cache_miss: '2',
        output: '3',
        off_peak: { from: '16:30', to: '00:30', tz: 'UTC', factor: '0.5' },
        changes: [
          { from: '2027-01-01T00:00:00.000Z', input_cache_hit: '0.1', input_cache_miss: '1', output: '2' },
          { from: '2027-06-01T00:00:00.000Z', input_cache_hit: '0.1', input_cache_miss: '1', output: '2.5', off_peak: null },
        ],
      },
    });
    expect(Object.isFrozen(config.pricing['deepseek-v4-flash']!.changes[0])).toBe(true);
  });

  it('keeps a model name with dots, and factor defaults to 0.5, tz to UTC', () => {
    const { config } = parse(
      '[pricing."deepseek-v3.2"]\ncurrency = "USD"\ninput_cache_hit = 0.028\ninput_cache_miss = 0.28\noutput = 0.42\noff_peak = { from = "16:30", to = "00:30" }\n',
    );
    expect(config.pricing['deepseek-v3.2']).toMatchObject({ currency: 'USD', input_cache_hit: '0.028', off_peak: { tz: 'UTC', factor: '0.5' } });
  });

  it('refuses every problem at once, each naming its key', () => {
    const text = `
[pricing."deepseek-v4-flash"]
currency = "XYZ"
input_cache_hit = -0.2
input_cache_miss = "two"
output = 0.0000001
off_peak = { from = "25:00", to = "7pm", tz = "Mars/Base", factor = 1.5 }
typo_key = 1
[[pricing."deepseek-v4-flash".changes]]
from = 2027-03-01T00:00:00Z
input_cache_hit = 0.1
input_cache_miss = 1
output = 2
[[pricing."deepseek-v4-flash".changes]]
from = 2027-01-01T00:00:00Z
input_cache_hit = 0.1
input_cache_miss = 1
output = 2
[[pricing."deepseek-v4-flash".changes]]
from = 2027-05-01T00:00:00
input_cache_miss = 1
output = 2
[pricing."deepseek-v4-pro"]
input_cache_hit = 1
input_cache_miss = 4
output = 16
off_peak = { from = "16:30", to = "16:30" }
`;
    const err = fail(text);
    const lines = err.problems.map((p) => `${p.path}: ${p.expected}`);
    const m = 'pricing."deepseek-v4-flash"';
    expect(lines).toEqual([
      `${m}.typo_key: no such key (known: currency, input_cache_hit, input_cache_miss, output, off_peak, changes)`,
      `${m}.currency: an ISO 4217 currency code in capitals, e.g. "CNY" or "USD"`,
      `${m}.input_cache_hit: a decimal number >= 0 with at most 6 decimal places`,
      `${m}.input_cache_miss: a decimal number >= 0 with at most 6 decimal places`,
      `${m}.output: a decimal number >= 0 with at most 6 decimal places`,
      `${m}.off_peak.from: a time of day "HH:MM" (00:00 to 23:59)`,
      `${m}.off_peak.to: a time of day "HH:MM" (00:00 to 23:59)`,
      `${m}.off_peak.tz: an IANA time zone (e.g. "UTC", "Asia/Shanghai")`,
      `${m}.off_peak.factor: a decimal number >= 0 and <= 1 with at most 4 decimal places`,
      `${m}.changes[1].from: a time after changes[0].from (changes must not overlap: list them in time order, each from a later instant)`,
      `${m}.changes[2].from: a date-time with a UTC offset, e.g. 2027-01-01T00:00:00Z or 2027-01-01T08:00:00+08:00`,
      `${m}.changes[2].input_cache_hit: a price per 1M tokens (required)`,
      'pricing."deepseek-v4-pro".off_peak.to: a time different from `from` (an empty window)',
    ]);
    expect(err.problems[1]).toMatchObject({ value: 'XYZ', source: FILE, sourceKind: 'file' });
    expect(err.message).toContain(`${FILE}: ${m}.input_cache_hit = -0.2, expected a decimal number >= 0`);
  });

  it('refuses two changes at the same instant (written in different offsets)', () => {
    const err = fail(`
[pricing.m]
input_cache_hit = 1
input_cache_miss = 1
output = 1
[[pricing.m.changes]]
from = 2027-01-01T08:00:00+08:00
input_cache_hit = 1
input_cache_miss = 1
output = 1
[[pricing.m.changes]]
from = 2027-01-01T00:00:00Z
input_cache_hit = 1
input_cache_miss = 1
output = 1
`);
    expect(err.problems.map((p) => p.path)).toEqual(['pricing."m".changes[1].from']);
  });

  it('refuses a model entry that is not a table and a [pricing] that is not one', () => {
    expect(fail('[pricing]\nm = 3\n').problems.map((p) => [p.path, p.expected])).toEqual([
      ['pricing."m"', 'a table of prices: currency, input_cache_hit, input_cache_miss, output'],
    ]);
    expect(fail('pricing = 3\n').problems.map((p) => p.path)).toEqual(['pricing']);
  });
});

describe('[quota] budget_currency and [alerts]', () => {
  it('defaults to CNY, thresholds 0.8 and 1, no webhook', () => {
    const { config } = parse('');
    expect(config.quota.budget_currency).toBe('CNY');
    expect(config.alerts).toEqual({ webhook_url: '', secret: '', secret_file: '', budget_thresholds: [0.8, 1], delivery_attempts: 8 });
  });

  it('refuses an unknown currency, a bad URL and thresholds outside (0, 1]', () => {
    const err = fail('[quota]\nbudget_currency = "cny"\n[alerts]\nwebhook_url = "ftp://x"\nbudget_thresholds = [0.5, 0, 2]\n');
    expect(err.problems.map((p) => p.path)).toEqual([
      'quota.budget_currency',
      'alerts.webhook_url',
      'alerts.budget_thresholds[1]',
      'alerts.budget_thresholds[2]',
    ]);
  });

  it('takes thresholds from the environment, comma-separated or JSON', () => {
    expect(parse('', { DSP_ALERTS__BUDGET_THRESHOLDS: '0.5, 0.9' }).config.alerts.budget_thresholds).toEqual([0.5, 0.9]);
    expect(parse('', { DSP_ALERTS__BUDGET_THRESHOLDS: '[0.25]' }).config.alerts.budget_thresholds).toEqual([0.25]);
  });
});

describe('parseAmount', () => {
  it('gives canonical strings and refuses what is not an exact amount', () => {
    expect(parseAmount('5', 9)).toEqual({ value: '5' });
    expect(parseAmount(' 100.50 ', 9)).toEqual({ value: '100.5' });
    expect(parseAmount(1e-7, 9)).toEqual({ value: '0.0000001' });
    expect(parseAmount(12345678901234567890n, 9)).toEqual({ value: '12345678901234567890' });
    for (const bad of ['-1', 'abc', '', NaN, Infinity, '1.0000000001', null, true, '0x10']) expect(parseAmount(bad, 9)).toHaveProperty('error');
  });
});
