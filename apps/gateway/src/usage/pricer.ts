// Prices each finished request once, when its usage is final, at the price in force at its start
// (off the client's path: the response has been sent by then). A model without a price costs
// nothing and says so: one warning per model per worker and dsp_unpriced_requests_total{model}.
import { NO_PRICE, PriceBook, eventCost, pricedModel, type EventCost, type UsageEvent } from '@dsp/core';
import type { Config } from '@dsp/config';
import type { Counter } from 'prom-client';
import type { Logger } from '../log.js';

export interface PricerMetrics {
  spend: Counter<'model' | 'currency'>;
  unpriced: Counter<'model'>;
}

export interface Priced extends EventCost {
  /** nanos counted against the budgets: the cost when it is in [quota] budget_currency, else 0 */
  budgetNanos: bigint;
}

const NANOS_PER_UNIT = 1e9;

export class Pricer {
  private readonly book: PriceBook;
  private readonly warned = new Set<string>();
  private readonly budgetCurrency: string;

  constructor(
    config: Pick<Config, 'pricing' | 'quota'>,
    private readonly metrics: PricerMetrics,
    private readonly log: Logger,
  ) {
    this.book = new PriceBook(config.pricing);
    this.budgetCurrency = config.quota.budget_currency;
  }

  price(
    e: Pick<UsageEvent, 'model' | 'upstream_model' | 'started_at' | 'prompt_tokens' | 'cache_hit_tokens' | 'cache_miss_tokens' | 'completion_tokens'>,
  ): Priced {
    const c = eventCost(this.book, e);
    const model = pricedModel(e);
    if (c === NO_PRICE) {
      this.metrics.unpriced.inc({ model });
      if (!this.warned.has(model)) {
        this.warned.add(model);
        this.log.warn({ model }, 'model has no [pricing] entry: its requests cost nothing (logged once per model)');
      }
      return { ...NO_PRICE, budgetNanos: 0n };
    }
    // a metric is a float in currency units; the exact figure is the ledger's
    if (c.nanos > 0n) this.metrics.spend.inc({ model, currency: c.currency }, Number(c.nanos) / NANOS_PER_UNIT);
    return { ...c, budgetNanos: c.currency === this.budgetCurrency ? c.nanos : 0n };
  }
}
