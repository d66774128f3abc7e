// The failover loop: send the request on the account admission picked; when that attempt fails in
// a way decideFailover() allows to retry (before any byte reached the client, and only where the
// upstream cannot have done the work), move to another account, up to max_attempts. Every
// outcome feeds the account's circuit breaker; a 401 / 402 takes the account out of rotation.
import { countsAsFailure, decideFailover, type AttemptFailure } from '@dsp/core';
import type { Account } from './account-set.js';
import type { DisableReason } from './account-control.js';

export type Acquired = { ok: true; account: Account } | { ok: false };

export interface AttemptPort<R> {
  /** take a slot on another account, none of `tried` */
  acquire(tried: ReadonlySet<number>): Promise<Acquired>;
  /** give back the slot of an account that is not used after all */
  release(account: Account): Promise<void>;
  send(account: Account): Promise<R>;
  /** why the attempt failed, or null when it succeeded (or failed for reasons of the request) */
  failureOf(result: R): AttemptFailure | null;
  clientHasBytes(): boolean;
  clientGone(): boolean;
  msLeft(): number;
  /** an attempt ended (metrics) */
  observe(account: Account, result: R, failure: AttemptFailure | null): void;
  /** moving on from `account` to another one */
  retrying(account: Account, failure: AttemptFailure): void;
  /** the upstream refused the account's key (401) or its balance is spent (402) */
  refuse(account: Account, reason: DisableReason): void;
}

export interface AttemptsResult<R> {
  result: R;
  /** the account whose slot is still held and whose answer the client gets */
  account: Account;
  attempts: number;
}

export async function runAttempts<R>(port: AttemptPort<R>, first: Account, maxAttempts: number, now: () => number = Date.now): Promise<AttemptsResult<R>> {
  const tried = new Set<number>();
  let account = first;
  let attempts = 0;
  for (;;) {
    // a half-open breaker lets one probe through per worker; another request picked it meanwhile
    if (!account.breaker.allow(now())) {
      tried.add(account.index);
      const next = await port.acquire(tried);
      await port.release(account);
      if (next.ok) {
        account = next.account;
        continue;
      }
      // nothing else: go anyway (better than refusing a request a probe may be about to vindicate)
    }
    attempts++;
    account.inFlight++;
    let result: R;
    try {
      result = await port.send(account);
    } finally {
      account.inFlight--;
    }
    const failure = port.failureOf(result);
    port.observe(account, result, failure);
    if (failure === null) {
      account.breaker.success(now());
      return { result, account, attempts };
    }
    if (countsAsFailure(failure)) account.breaker.failure(now());
    else account.breaker.release();
    if (failure.kind === 'status' && (failure.status === 401 || failure.status === 402))
      port.refuse(account, failure.status === 401 ? 'key_refused' : 'balance');
    const decision = decideFailover(failure, {
      attempts,
      maxAttempts,
      clientHasBytes: port.clientHasBytes(),
      clientGone: port.clientGone(),
      msLeft: port.msLeft(),
    });
    if (!decision.retry) return { result, account, attempts };
    tried.add(account.index);
    const next = await port.acquire(tried);
    if (!next.ok) return { result, account, attempts };
    port.retrying(account, failure);
    await port.release(account);
    account = next.account;
  }
}
