import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type AttemptFailure } from '@dsp/core';
import { runAttempts, type AttemptPort } from './attempts.js';
import type { Account } from './account-set.js';

const acct = (index: number, name: string): Account =>
  ({
    index,
    name,
    breaker: new CircuitBreaker({ failureThreshold: 2, errorRatio: 1, windowSeconds: 10, minRequests: 100, cooldownMs: 1000 }),
    inFlight: 0,
  }) as unknown as Account;

type R = { status: number } | { connect: string };

function port(accounts: Account[], answers: Record<string, R[]>, o: { bytes?: boolean } = {}) {
  const log: string[] = [];
  const held = new Set<string>([accounts[0]!.name]);
  const p: AttemptPort<R> = {
    async acquire(tried) {
      const next = accounts.find((a) => !tried.has(a.index) && !held.has(a.name));
      if (!next) return { ok: false };
      held.add(next.name);
      log.push(`acquire ${next.name}`);
      return { ok: true, account: next };
    },
    async release(a) {
      held.delete(a.name);
      log.push(`release ${a.name}`);
    },
    async send(a) {
      log.push(`send ${a.name}`);
      return answers[a.name]!.shift()!;
    },
    failureOf(r): AttemptFailure | null {
      if ('connect' in r) return { kind: 'connect', code: r.connect };
      if (r.status === 200 || r.status === 400) return null;
      return { kind: 'status', status: r.status };
    },
    clientHasBytes: () => o.bytes ?? false,
    clientGone: () => false,
    msLeft: () => 10_000,
    observe() {},
    retrying(a, f) {
      log.push(`retry from ${a.name} (${f.kind})`);
    },
    refuse(a, reason) {
      log.push(`refuse ${a.name} ${reason}`);
    },
  };
  return { p, log, held };
}

describe('runAttempts', () => {
  it('moves to another account after a 503 and keeps only the serving slot', async () => {
    const list = [acct(0, 'a'), acct(1, 'b')];
    const { p, log, held } = port(list, { a: [{ status: 503 }], b: [{ status: 200 }] });
    const out = await runAttempts(p, list[0]!, 3, () => 0);
    expect(out).toMatchObject({ result: { status: 200 }, attempts: 2 });
    expect(out.account.name).toBe('b');
    expect(log).toEqual(['send a', 'acquire b', 'retry from a (status)', 'release a', 'send b']);
    expect([...held]).toEqual(['b']);
  });

  it('stops at max_attempts and returns the last failure', async () => {
    const list = [acct(0, 'a'), acct(1, 'b'), acct(2, 'c')];
    const { p } = port(list, { a: [{ connect: 'ECONNREFUSED' }], b: [{ status: 502 }], c: [{ status: 200 }] });
    const out = await runAttempts(p, list[0]!, 2, () => 0);
    expect(out).toMatchObject({ result: { status: 502 }, attempts: 2 });
  });

  it('does not retry once the client has bytes, nor a request error', async () => {
    const list = [acct(0, 'a'), acct(1, 'b')];
    const sent = port(list, { a: [{ status: 503 }], b: [{ status: 200 }] }, { bytes: true });
    expect((await runAttempts(sent.p, list[0]!, 3, () => 0)).attempts).toBe(1);
    const other = [acct(0, 'a'), acct(1, 'b')];
    const bad = port(other, { a: [{ status: 400 }], b: [{ status: 200 }] });
    expect(await runAttempts(bad.p, other[0]!, 3, () => 0)).toMatchObject({ result: { status: 400 }, attempts: 1 });
    expect(other[0]!.breaker.state).toBe('closed');
  });

  it('takes a refused key out of rotation and serves the request elsewhere', async () => {
    const list = [acct(0, 'a'), acct(1, 'b')];
    const { p, log } = port(list, { a: [{ status: 401 }], b: [{ status: 200 }] });
    expect((await runAttempts(p, list[0]!, 3, () => 0)).result).toEqual({ status: 200 });
    expect(log).toContain('refuse a key_refused');
    expect(list[0]!.breaker.state).toBe('closed'); // a refused key is not an outage
  });

  it('opens the breaker of an account that keeps failing', async () => {
    const list = [acct(0, 'a'), acct(1, 'b')];
    for (let i = 0; i < 2; i++) {
      const { p } = port(list, { a: [{ status: 503 }], b: [{ status: 200 }] });
      await runAttempts(p, list[0]!, 3, () => 0);
    }
    expect(list[0]!.breaker.state).toBe('open');
    // picked while open (another worker's view): skipped without sending
    const { p, log } = port(list, { a: [], b: [{ status: 200 }] });
    expect((await runAttempts(p, list[0]!, 3, () => 10)).account.name).toBe('b');
    expect(log).toEqual(['acquire b', 'release a', 'send b']);
  });
});
