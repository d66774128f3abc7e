// The upstream accounts of one worker: for each, its key's request headers, the pool of its base
// URL (accounts sharing a base URL share one pool: connections do not depend on the key), its
// circuit breaker and its slot key. A reload builds a new set; requests in flight keep the account
// objects (and pools) they started with, and a pool no account uses any more is closed once idle.
import { upstreamAccounts, type Config, type UpstreamAccount } from '@dsp/config';
import { CircuitBreaker, eligibleAccounts, keys, maskKey, type AccountCandidate, type BreakerState } from '@dsp/core';
import type { UpstreamPool } from '../upstream/pool.js';

export interface Account {
  readonly index: number;
  readonly config: UpstreamAccount;
  readonly name: string;
  /** `sk-…abcd`, for logs and the console */
  readonly masked: string;
  /** content-type and authorization, built once */
  readonly headers: readonly string[];
  /** content-type and x-api-key: the key as the Anthropic format (/anthropic/v1/messages) takes it */
  readonly anthropicHeaders: readonly string[];
  readonly pool: UpstreamPool;
  readonly breaker: CircuitBreaker;
  /** its slot zset; only used when it has a cap */
  readonly leaseKey: string;
  /** requests of this worker on this account now */
  inFlight: number;
  /**
   * What this worker last saw of the account's cluster-wide slots, and when: the count an admission
   * returned, the cap when it was full, Infinity when it was out of rotation. Only guesses use it.
   */
  seen: { used: number; at: number };
}

export interface AccountSetOptions {
  /** the pool of a base URL (the caller keeps one per URL across reloads) */
  poolFor(baseUrl: string): UpstreamPool;
  /** breaker state changes (metrics, log); the breaker of an unchanged account survives a reload */
  onBreaker(account: string, state: BreakerState, why: string): void;
  now?: () => number;
}

export class AccountSet {
  readonly list: readonly Account[];
  readonly disabledKey: string;
  /**
   * One uncapped account (the single-key form): nothing to choose and no cluster-wide count to
   * keep, so admission takes no account slot at all and costs what it did before accounts existed.
   */
  readonly trivial: boolean;
  private readonly now: () => number;

  constructor(config: Config, opts: AccountSetOptions, previous?: AccountSet) {
    const prefix = config.redis.key_prefix;
    this.now = opts.now ?? Date.now;
    this.disabledKey = keys.accountsDisabled(prefix);
    const b = config.deepseek.breaker;
    const breakerOpts = {
      failureThreshold: b.failure_threshold,
      errorRatio: b.error_ratio,
      windowSeconds: b.window_seconds,
      minRequests: b.min_requests,
      cooldownMs: b.cooldown_seconds * 1000,
    };
    this.list = upstreamAccounts(config).map((a, index) => {
      const old = previous?.list.find((p) => p.name === a.name && p.config.apiKey === a.apiKey && p.config.baseUrl === a.baseUrl);
      const headers = ['content-type', 'application/json'];
      const anthropicHeaders = [...headers];
      if (a.apiKey) {
        headers.push('authorization', `Bearer ${a.apiKey}`);
        anthropicHeaders.push('x-api-key', a.apiKey);
      }
      return {
        index,
        config: a,
        name: a.name,
        masked: maskKey(a.apiKey),
        headers,
        anthropicHeaders,
        pool: opts.poolFor(a.baseUrl),
        breaker: old?.breaker ?? new CircuitBreaker(breakerOpts, (state, why) => opts.onBreaker(a.name, state, why)),
        leaseKey: keys.accountLeases(prefix, a.name),
        inFlight: 0,
        seen: { used: 0, at: 0 },
      };
    });
    this.trivial = this.list.length === 1 && this.list[0]!.config.maxConcurrency === 0;
  }

  byName(name: string): Account | undefined {
    return this.list.find((a) => a.name === name);
  }

  /** The accounts that may take `model` now (enabled, breaker not open), minus those already tried. */
  candidates(model: string, tried: ReadonlySet<number> = new Set()): { accounts: Account[]; picks: AccountCandidate[] } {
    const now = this.now();
    const idx = eligibleAccounts(
      this.list.map((a) => a.config),
      model,
      (i) => this.list[i]!.breaker.peek(now),
      tried,
    );
    const accounts = idx.map((i) => this.list[i]!);
    return { accounts, picks: accounts.map((a) => ({ name: a.name, cap: a.config.maxConcurrency, weight: a.config.weight, leaseKey: a.leaseKey })) };
  }

  /** Base URLs in use (pools for others can be closed). */
  baseUrls(): Set<string> {
    return new Set(this.list.map((a) => a.config.baseUrl));
  }
}
