// Usage: what DeepSeek reports, and the event each finished request becomes.

export interface UpstreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_cache_hit_tokens?: number;
  prompt_cache_miss_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface UsageEvent {
  request_id: string;
  token_id: string;
  user_id: string;
  model: string;
  route: string;
  stream: boolean;
  /** HTTP status the client received (or would have: 499 when it went away) */
  status: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hit_tokens: number;
  cache_miss_tokens: number;
  reasoning_tokens: number;
  /** ms from dispatch to upstream response headers; null when no response came */
  first_byte_ms: number | null;
  total_ms: number;
  /** epoch ms */
  started_at: number;
  aborted: boolean;
  /** gateway instance that served it */
  instance: string;
  /** upstream account that served it (the last one tried); absent before accounts existed */
  account?: string;
  /** upstream attempts, 1 without failover; 0 when no attempt was made */
  attempts?: number;
  /** the model name sent upstream when a `[models]` alias rewrote the client's `model` */
  upstream_model?: string;
  /**
   * What the request cost, in nanos (1e-9 of `currency`) as a decimal integer string, priced when
   * its usage was final at the price in force at `started_at`; "0" with currency "" when the model
   * has no price. Absent in events from gateways older than pricing: the recorder prices those.
   */
  cost_nanos?: string;
  currency?: string;
  /** W3C `traceparent` of the request's span when it was traced and sampled: the recorder links its write to it */
  traceparent?: string;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);

export interface UsageCounts {
  prompt: number;
  completion: number;
  cacheHit: number;
  cacheMiss: number;
  reasoning: number;
  total: number;
}

export const ZERO_USAGE: Readonly<UsageCounts> = Object.freeze({
  prompt: 0,
  completion: 0,
  cacheHit: 0,
  cacheMiss: 0,
  reasoning: 0,
  total: 0,
});

/** Normalise DeepSeek's usage object; missing or malformed numbers count as 0. */
export function usageCounts(u: UpstreamUsage | null | undefined): UsageCounts {
  if (!u || typeof u !== 'object') return ZERO_USAGE;
  const prompt = n(u.prompt_tokens);
  const completion = n(u.completion_tokens);
  const total = n(u.total_tokens) || prompt + completion;
  return {
    prompt,
    completion,
    cacheHit: n(u.prompt_cache_hit_tokens),
    cacheMiss: n(u.prompt_cache_miss_tokens),
    reasoning: n(u.completion_tokens_details?.reasoning_tokens),
    total,
  };
}
