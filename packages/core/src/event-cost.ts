// The cost of one usage event: the model as sent upstream, priced at the request's start.
import type { PriceBook } from './pricing.js';
import type { UsageEvent } from './usage.js';

export interface EventCost {
  /** 1e-9 currency units; 0n when the model has no price */
  nanos: bigint;
  /** "" when the model has no price */
  currency: string;
}

export const NO_PRICE: Readonly<EventCost> = Object.freeze({ nanos: 0n, currency: '' });

type Priced = Pick<UsageEvent, 'model' | 'upstream_model' | 'started_at' | 'prompt_tokens' | 'cache_hit_tokens' | 'cache_miss_tokens' | 'completion_tokens'>;

/** The model whose price applies: the name sent upstream (an alias's target), else the client's. */
export const pricedModel = (e: Pick<UsageEvent, 'model' | 'upstream_model'>): string => (e.upstream_model ? e.upstream_model : e.model);

export function eventCost(book: PriceBook, e: Priced): EventCost {
  const c = book.cost(pricedModel(e), e.started_at, {
    prompt: e.prompt_tokens,
    cacheHit: e.cache_hit_tokens,
    cacheMiss: e.cache_miss_tokens,
    completion: e.completion_tokens,
  });
  return c ? { nanos: c.nanos, currency: c.currency } : NO_PRICE;
}

/** The cost an event carries (`cost_nanos` and `currency`, set by the gateway); null when it has none. */
export function carriedCost(e: UsageEvent): EventCost | null {
  return typeof e.cost_nanos === 'string' && /^\d{1,30}$/.test(e.cost_nanos) && typeof e.currency === 'string'
    ? { nanos: BigInt(e.cost_nanos), currency: e.currency }
    : null;
}

/** The cost an event carries, else priced now from its tokens (events of older gateways). */
export function costOfEvent(book: PriceBook, e: UsageEvent): EventCost {
  return carriedCost(e) ?? eventCost(book, e);
}
