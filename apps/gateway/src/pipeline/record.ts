// record: once per admitted request — price it (usage is final here), release its slots, charge
// the tokens and the spend and make the usage event durable (one Redis round trip), then count
// it. Never throws.
import { performance } from 'node:perf_hooks';
import type { UsageEvent } from '@dsp/core';
import type { Deps } from '../deps.js';
import type { Exchange } from './exchange.js';
import type { Identity, Lease, Outcome, ParsedRequest } from './types.js';

export type RecordServices = Pick<Deps, 'leases' | 'pricer' | 'usage' | 'metrics' | 'instance'>;

export async function record(x: Exchange, identity: Identity, request: ParsedRequest, lease: Lease, o: Outcome, deps: RecordServices): Promise<void> {
  deps.leases.drop(lease);
  const event: UsageEvent = {
    request_id: x.head.requestId,
    token_id: identity.jti,
    user_id: identity.sub,
    model: request.model,
    route: x.route.name,
    stream: request.stream,
    status: o.status,
    prompt_tokens: o.usage.prompt,
    completion_tokens: o.usage.completion,
    cache_hit_tokens: o.usage.cacheHit,
    cache_miss_tokens: o.usage.cacheMiss,
    reasoning_tokens: o.usage.reasoning,
    first_byte_ms: o.firstByteMs === null ? null : Math.round(o.firstByteMs * 1000) / 1000,
    total_ms: Math.round((performance.now() - x.t0) * 1000) / 1000,
    started_at: x.startedAt,
    aborted: o.aborted,
    instance: deps.instance,
    account: lease.account.name,
    attempts: o.attempts,
    upstream_model: request.upstreamModel,
  };
  const cost = deps.pricer.price(event);
  event.cost_nanos = cost.nanos.toString();
  event.currency = cost.currency;
  // the recorder links its ledger write to a traced request
  const traced = x.trace?.recordedContext();
  if (traced) event.traceparent = traced;
  // the finish script releases the token's lease and the account's slot with the charge
  await deps.usage.finish(lease, o.usage.total, cost.budgetNanos, JSON.stringify(event));
  const t = deps.metrics.tokens;
  if (o.usage.total > 0) {
    t.prompt.inc(o.usage.prompt);
    t.completion.inc(o.usage.completion);
    t.cacheHit.inc(o.usage.cacheHit);
    t.reasoning.inc(o.usage.reasoning);
  }
}
