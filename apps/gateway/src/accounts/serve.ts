// The request path's use of the accounts: admission that waits for a slot when every account is
// full (limits.upstream_wait_ms), and the upstream call with failover (runAttempts) — each attempt
// on the account it holds a slot on, refused keys taken out of rotation, every outcome counted.
import { ACCOUNT_RELEASE, isGatewayError, maskKey } from '@dsp/core';
import type { Deps } from '../deps.js';
import type { Exchange } from '../pipeline/exchange.js';
import { admit, capacity, type AdmitServices } from '../pipeline/admit.js';
import { proxy, type ProxyServices } from '../pipeline/proxy.js';
import type { CompletionRoute, Identity, Lease, Outcome, ParsedRequest } from '../pipeline/types.js';
import { acquireAccount, assignAccount, saw } from './account-admission.js';
import { disableAccount } from './account-control.js';
import { outcomeOfStatus } from './account-metrics.js';
import type { Account } from './account-set.js';
import { runAttempts, type AttemptPort } from './attempts.js';
import { outcomeOfFailure } from './classify.js';

const FIRST_WAIT_MS = 20;
const MAX_WAIT_STEP_MS = 250;

/** admit(), and while every account is at its cap, again with backoff until upstream_wait_ms is spent. */
export async function admitWaiting(
  x: Exchange,
  identity: Identity,
  request: ParsedRequest,
  deps: AdmitServices & Pick<Deps, 'accountMetrics'>,
): Promise<Lease> {
  const until = Date.now() + deps.config.limits.upstream_wait_ms;
  let step = FIRST_WAIT_MS;
  for (;;) {
    try {
      return await admit(identity, x.head.requestId, request.upstreamModel, deps);
    } catch (e) {
      const full = isGatewayError(e) && e.code === 'upstream_capacity';
      if (!full || x.client.aborted || Date.now() + step > until) {
        if (full) deps.accountMetrics.capacityRejected.inc();
        throw e;
      }
    }
    // a slot frees when a request finishes anywhere in the cluster; polling with jittered backoff
    await new Promise((r) => setTimeout(r, step * (0.5 + Math.random())));
    step = Math.min(step * 2, MAX_WAIT_STEP_MS);
    if (x.client.aborted) throw capacity(); // the client went away while waiting: nobody reads this
  }
}

export type ServeServices = ProxyServices & Pick<Deps, 'accountMetrics' | 'scripts' | 'redis'>;

/** The upstream call with failover; resolves with the outcome of the last attempt. */
export async function serveUpstream(x: Exchange, route: CompletionRoute, request: ParsedRequest, lease: Lease, deps: ServeServices): Promise<Outcome> {
  const set = deps.accounts.current;
  const leaseMs = Math.round(deps.config.limits.lock_lease_seconds * 1000);
  const deadline = x.t0 + deps.config.deepseek.http_client.timeout_seconds * 1000;
  const m = deps.accountMetrics;
  const port: AttemptPort<Outcome> = {
    async acquire(tried) {
      if (!lease.held) {
        const next = set.list.find(
          (a) => !tried.has(a.index) && a.config.enabled && (a.config.models.length === 0 || a.config.models.includes(request.upstreamModel)),
        );
        return next ? { ok: true, account: next } : { ok: false };
      }
      try {
        const got = await acquireAccount(deps.scripts, set, request.upstreamModel, tried, lease.id, leaseMs);
        return got.ok ? got : { ok: false };
      } catch {
        return { ok: false }; // Redis trouble: keep the answer we have
      }
    },
    async release(account) {
      if (lease.held && account.config.maxConcurrency > 0) await releaseSlot(deps, account, lease);
    },
    send(account) {
      assignAccount(lease, account);
      return proxy(x, route, request, lease, deps);
    },
    failureOf: (o) => o.failure,
    clientHasBytes: () => x.client.headersSent,
    clientGone: () => x.client.aborted,
    msLeft: () => deadline - performance.now(),
    observe(account, o, f) {
      m.requests.inc({ account: account.name, outcome: f ? outcomeOfFailure(f) : o.aborted ? 'aborted' : outcomeOfStatus(o.status) });
    },
    retrying(account, f) {
      m.retries.inc({ account: account.name });
      deps.log.warn({ rid: x.head.requestId, account: account.name, failure: f }, 'upstream attempt failed before the first byte: trying another account');
    },
    refuse(account, reason) {
      // the single-key form has nothing to fail over to: its 401/402 passes through as before
      if (set.trivial) return;
      saw(account, 'disabled'); // this worker's guesses skip it at once; the others learn at admission
      disableAccount(deps.redis, set.disabledKey, account.name, reason).then(
        (first) => {
          if (!first) return;
          m.disabledTotal.inc({ account: account.name, reason });
          deps.log.error(
            { account: account.name, key: maskKey(account.config.apiKey), reason },
            reason === 'key_refused'
              ? 'upstream refused the key of this account (401): out of rotation until re-enabled or the configuration is reloaded'
              : 'upstream says the balance of this account is spent (402): out of rotation until its balance is positive',
          );
        },
        (e: Error) => deps.log.warn({ account: account.name, err: e.message }, 'could not take the account out of rotation'),
      );
    },
  };
  const out = await runAttempts(port, lease.account, deps.config.deepseek.max_attempts);
  return { ...out.result, attempts: out.attempts };
}

/** Gives an account's slot back on failover (the request's lease id is its member). */
function releaseSlot(deps: Pick<Deps, 'scripts'>, account: Account, lease: Lease): Promise<unknown> {
  return deps.scripts.run(ACCOUNT_RELEASE, { key: account.leaseKey, leaseId: lease.id }).catch(() => {
    /* the lease expires by itself */
  });
}
