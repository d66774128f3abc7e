// Bookkeeping: what arrived, what is in flight (overall, per body user_id, per API key), what was issued.

import type { Usage } from './content.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  /** parsed JSON, the raw string when it is not JSON, null when there was no body */
  body: any;
  /** body `user_id` (or Anthropic `metadata.user_id`) when it is a string */
  userId: string | null;
  /** the API key the request carried (`Authorization: Bearer` or `x-api-key`), null when none */
  key: string | null;
  /** performance.now() at arrival */
  at: number;
  /** the client went away before the mock finished its answer */
  aborted: boolean;
  /** `x-request-id` header */
  requestId: string | null;
}

export interface IssuedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  requests: number;
}

/** Per upstream API key counts (completion routes only: chat, FIM, Anthropic messages). */
export interface KeyStats {
  /** completion requests that arrived with this key (including the refused ones) */
  requests: number;
  /** admitted completions in flight now */
  inFlight: number;
  /** the most admitted completions ever in flight at once */
  peak: number;
  /** requests answered 429 because the key's `maxConcurrency` was reached */
  overCap: number;
  /** GET /user/balance calls */
  balanceChecks: number;
}

interface Count {
  cur: number;
  peak: number;
}

function emptyKeyStats(): KeyStats {
  return { requests: 0, inFlight: 0, peak: 0, overCap: 0, balanceChecks: 0 };
}

export class Records {
  readonly received: ReceivedRequest[] = [];
  inflight = 0;
  peak = 0;
  aborted = 0;
  lastAbort: number | null = null;
  readonly issued: IssuedUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, requests: 0 };
  private users = new Map<string, Count>();
  private keys = new Map<string, KeyStats>();

  arrive(): void {
    if (++this.inflight > this.peak) this.peak = this.inflight;
  }

  leave(): void {
    this.inflight--;
  }

  userArrive(id: string): void {
    let u = this.users.get(id);
    if (u === undefined) {
      u = { cur: 0, peak: 0 };
      this.users.set(id, u);
    }
    if (++u.cur > u.peak) u.peak = u.cur;
  }

  userLeave(id: string): void {
    const u = this.users.get(id);
    if (u !== undefined && u.cur > 0) u.cur--;
  }

  userPeak(id: string): number {
    return this.users.get(id)?.peak ?? 0;
  }

  key(k: string): KeyStats {
    let s = this.keys.get(k);
    if (s === undefined) {
      s = emptyKeyStats();
      this.keys.set(k, s);
    }
    return s;
  }

  keyAdmit(k: string): void {
    const s = this.key(k);
    if (++s.inFlight > s.peak) s.peak = s.inFlight;
  }

  keyLeave(k: string): void {
    const s = this.keys.get(k);
    if (s !== undefined && s.inFlight > 0) s.inFlight--;
  }

  keyStats(k: string): KeyStats {
    const s = this.keys.get(k);
    return s === undefined ? emptyKeyStats() : { ...s };
  }

  allKeyStats(): Record<string, KeyStats> {
    const out: Record<string, KeyStats> = {};
    for (const [k, s] of this.keys) out[k] = { ...s };
    return out;
  }

  abort(rec: ReceivedRequest | null): void {
    this.aborted++;
    this.lastAbort = performance.now();
    if (rec !== null) rec.aborted = true;
  }

  countUsage(u: Usage): void {
    this.issued.prompt_tokens += u.prompt_tokens;
    this.issued.completion_tokens += u.completion_tokens;
    this.issued.total_tokens += u.total_tokens;
    this.issued.requests++;
  }

  /** Clears records and counters; requests still in flight keep counting (their peak restarts at the current level). */
  reset(): void {
    this.received.length = 0;
    this.peak = this.inflight;
    const users = new Map<string, Count>();
    for (const [id, u] of this.users) if (u.cur > 0) users.set(id, { cur: u.cur, peak: u.cur });
    this.users = users;
    const keys = new Map<string, KeyStats>();
    for (const [k, s] of this.keys) if (s.inFlight > 0) keys.set(k, { ...emptyKeyStats(), inFlight: s.inFlight, peak: s.inFlight });
    this.keys = keys;
    this.aborted = 0;
    this.lastAbort = null;
    this.issued.prompt_tokens = 0;
    this.issued.completion_tokens = 0;
    this.issued.total_tokens = 0;
    this.issued.requests = 0;
  }
}
