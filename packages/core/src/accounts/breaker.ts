// The circuit breaker of one upstream account, in one worker. Closed: every request may go.
// Open (after `failureThreshold` consecutive failures, or a failure ratio of at least `errorRatio`
// over the last `windowSeconds` with at least `minRequests` outcomes): none may, for `cooldownMs`.
// Half-open: exactly one probe may go; its success closes the breaker, its failure opens it again.
// Time is passed in (milliseconds), so the breaker is a pure state machine.

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  failureThreshold: number;
  /** 0 < ratio <= 1; 1 turns the ratio rule off unless every request failed */
  errorRatio: number;
  windowSeconds: number;
  minRequests: number;
  cooldownMs: number;
}

/** Numeric codes for the `dsp_upstream_account_breaker_state` gauge. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;
  /** one bucket per second of the window: [second, successes, failures] */
  private readonly buckets: Array<[number, number, number]>;

  constructor(
    private readonly opts: BreakerOptions,
    /** called on every change of state (metrics, the log line) */
    private readonly onChange: (state: BreakerState, why: string) => void = () => {},
  ) {
    this.buckets = Array.from({ length: Math.max(1, Math.ceil(opts.windowSeconds)) }, () => [-1, 0, 0]);
  }

  /** May a request go to this account now? In half-open, true once: the caller must then record. */
  allow(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < this.opts.cooldownMs) return false;
      this.move('half_open', 'cool-down over');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Would `allow` say yes, without taking the probe? (for listing candidates) */
  peek(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return now - this.openedAt >= this.opts.cooldownMs;
    return !this.probing;
  }

  /** A probe that never reached the upstream (e.g. another account was picked): give it back. */
  release(): void {
    this.probing = false;
  }

  success(now: number): void {
    this.count(now, true);
    this.consecutive = 0;
    if (this.state !== 'closed') {
      this.probing = false;
      this.move('closed', 'probe succeeded');
    }
  }

  failure(now: number): void {
    this.count(now, false);
    this.consecutive++;
    if (this.state === 'half_open') return this.open(now, 'probe failed');
    if (this.state === 'open') return;
    if (this.consecutive >= this.opts.failureThreshold) return this.open(now, `${this.consecutive} consecutive failures`);
    const [ok, failed] = this.window(now);
    const total = ok + failed;
    if (total >= this.opts.minRequests && failed / total >= this.opts.errorRatio) {
      this.open(now, `${failed} of ${total} failed in ${this.opts.windowSeconds} s`);
    }
  }

  private open(now: number, why: string): void {
    this.openedAt = now;
    this.probing = false;
    this.move('open', why);
  }

  private move(state: BreakerState, why: string): void {
    if (this.state === state) return;
    this.state = state;
    this.onChange(state, why);
  }

  private count(now: number, ok: boolean): void {
    const second = Math.floor(now / 1000);
    const b = this.buckets[second % this.buckets.length]!;
    if (b[0] !== second) {
      b[0] = second;
      b[1] = 0;
      b[2] = 0;
    }
    b[ok ? 1 : 2]++;
  }

  /** [successes, failures] in the window ending now */
  private window(now: number): [number, number] {
    const second = Math.floor(now / 1000);
    let ok = 0;
    let failed = 0;
    for (const [s, good, bad] of this.buckets) {
      if (s > second - this.buckets.length) {
        ok += good;
        failed += bad;
      }
    }
    return [ok, failed];
  }
}
