// Per-account metrics of a worker, summed (or maxed) over the host by the primary. Account names
// are labels (operators choose them; there are few), never keys.
import { Counter, Gauge, type Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, type BreakerState } from '@dsp/core';
import type { AccountSet } from './account-set.js';

/** How an attempt on an account ended, the `outcome` label. */
export type AttemptOutcome = 'ok' | 'client_error' | 'rate_limited' | 'server_error' | 'connect_error' | 'timeout' | 'key_refused' | 'no_balance' | 'aborted';

export function createAccountMetrics(registry: Registry, accounts: () => AccountSet) {
  const r = [registry];
  return {
    requests: new Counter({
      name: 'dsp_upstream_account_requests_total',
      help: 'Upstream attempts per account, by outcome',
      labelNames: ['account', 'outcome'],
      registers: r,
    }),
    retries: new Counter({
      name: 'dsp_upstream_account_retries_total',
      help: 'Requests moved to another account after a failure on this one (before any byte reached the client)',
      labelNames: ['account'],
      registers: r,
    }),
    capacityRejected: new Counter({
      name: 'dsp_upstream_capacity_rejected_total',
      help: 'Requests answered 429 upstream_capacity: every account that serves the model was at its cap',
      registers: r,
    }),
    inFlight: new Gauge({
      name: 'dsp_upstream_account_in_flight',
      help: "Requests in flight on the account (this host's workers summed)",
      labelNames: ['account'],
      registers: r,
      collect() {
        this.reset();
        for (const a of accounts().list) this.set({ account: a.name }, a.inFlight);
      },
    }),
    cap: new Gauge({
      name: 'dsp_upstream_account_max_concurrency',
      help: 'Configured cluster-wide in-flight cap of the account (0 = none)',
      labelNames: ['account'],
      registers: r,
      aggregator: 'max',
      collect() {
        this.reset();
        for (const a of accounts().list) this.set({ account: a.name }, a.config.maxConcurrency);
      },
    }),
    breaker: new Gauge({
      name: 'dsp_upstream_account_breaker_state',
      help: 'Circuit breaker of the account: 0 closed, 1 half-open, 2 open (the worst of the workers)',
      labelNames: ['account'],
      registers: r,
      aggregator: 'max',
      collect() {
        this.reset();
        for (const a of accounts().list) this.set({ account: a.name }, BREAKER_STATE_VALUE[a.breaker.state as BreakerState]);
      },
    }),
    disabledTotal: new Counter({
      name: 'dsp_upstream_account_disabled_total',
      help: 'Times the upstream refused an account (401 key refused, 402 balance spent) and it was taken out of rotation',
      labelNames: ['account', 'reason'],
      registers: r,
    }),
  };
}

export type AccountMetrics = ReturnType<typeof createAccountMetrics>;

/** The outcome label of an upstream status (or of a failure without one). */
export function outcomeOfStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) return 'key_refused';
  if (status === 402) return 'no_balance';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'client_error';
}
