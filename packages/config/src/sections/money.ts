// The [quota], [pricing] and [alerts] sections: what users may spend, what it costs, who is told.
import { z } from 'zod';
import { text, integer, numberList, mapSection, section } from '../schema-builders.js';
import { httpUrl } from '../value-checks.js';
import { isKnownCurrency, parsePricing } from '../pricing.js';
import { PRICING_DOC, PRICING_EXAMPLE } from '../pricing-doc.js';
import { isValidTimeZone } from '../timezone.js';

export const quotaSection = section('Default quotas, for users and tokens that have none of their own, and the currency of budgets.', {
  timezone: text('UTC', 'Time zone whose midnight starts a new day / month period.', {
    required: true,
    label: 'IANA time zone (e.g. "Asia/Shanghai")',
    check: isValidTimeZone,
  }),
  default_daily_requests: integer(0, 'Requests per user per day; 0 = unlimited.', { min: 0 }),
  default_daily_tokens: integer(0, 'Tokens (prompt + completion) per user per day; 0 = unlimited.', {
    min: 0,
  }),
  default_monthly_tokens: integer(0, 'Tokens per user per calendar month; 0 = unlimited.', {
    min: 0,
  }),
  budget_currency: text(
    'CNY',
    'Currency of the daily / monthly budgets (`dsp quota set --daily-budget`); spend in another currency is reported, not counted against a budget.',
    {
      required: true,
      label: 'ISO 4217 currency code (e.g. "CNY", "USD")',
      check: isKnownCurrency,
    },
  ),
});

export const pricingSection = mapSection(
  {
    description: 'Prices per 1M tokens of each model (the name sent upstream); a model without one costs nothing.',
    map: { doc: PRICING_DOC, example: PRICING_EXAMPLE },
  },
  (raw) => {
    const { pricing, problems } = parsePricing(raw);
    return { value: pricing, problems };
  },
);

export const alertsSection = section('Budget and upstream account alerts: signed JSON POSTs to a webhook, delivered by the usage recorder through BullMQ.', {
  webhook_url: text('', 'Where alerts are POSTed; empty = no alerts.', {
    label: 'empty or http(s) URL',
    check: (v) => v === '' || httpUrl(v),
  }),
  secret: text('', 'HMAC-SHA256 key of the `x-dsp-signature` header (empty = unsigned).', { secret: true }),
  secret_file: text('', 'File holding the alert secret (trimmed); when set, its content replaces `secret`.', { path: 'file', contentOf: 'alerts.secret' }),
  budget_thresholds: numberList(
    z.number().gt(0).max(1),
    'fractions in (0, 1]',
    [0.8, 1],
    'Fractions of a budget at which an alert fires, once per user, period and threshold.',
  ),
  delivery_attempts: integer(8, 'Attempts per alert (exponential backoff from 1 s) before it is given up (and logged).', { min: 1, max: 50 }),
});
