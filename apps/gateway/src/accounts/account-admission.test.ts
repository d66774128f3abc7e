import { describe, expect, it } from 'vitest';
import { parseConfig } from '@dsp/config';
import { AccountSet } from './account-set.js';
import { guessAccount, saw, SEEN_MS, soloInputs } from './account-admission.js';
import type { UpstreamPool } from '../upstream/pool.js';

const TOML = `
[deepseek]
base_url = "http://127.0.0.1:1"

[[deepseek.accounts]]
name = "a"
api_key = "sk-a-0001"
max_concurrency = 10
weight = 1

[[deepseek.accounts]]
name = "b"
api_key = "sk-b-0002"
max_concurrency = 10
weight = 3

[[deepseek.accounts]]
name = "pro"
api_key = "sk-c-0003"
models = ["deepseek-v4-pro"]
`;

function accountSet(): AccountSet {
  const { config } = parseConfig(TOML, { file: 'test.toml', env: {}, cwd: '/tmp' });
  return new AccountSet(config, { poolFor: () => ({}) as UpstreamPool, onBreaker: () => {} });
}

/** How often each account is guessed for `model` over n draws. */
function spread(set: AccountSet, model: string, now: number, n = 4000): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const g = guessAccount(set, model, now);
    const name = g.account?.name ?? 'none';
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

describe("a worker's guess at the account", () => {
  it('spreads by weight among the accounts that serve the model when it has seen nothing', () => {
    const set = accountSet();
    const s = spread(set, 'deepseek-v4-flash', 1_000_000);
    expect(Object.keys(s).sort()).toEqual(['a', 'b']);
    expect(s.b! / s.a!).toBeGreaterThan(2.4);
    expect(s.b! / s.a!).toBeLessThan(3.7);
    expect(guessAccount(set, 'deepseek-v4-flash', 1_000_000).eligible).toBe(2);
    expect(guessAccount(set, 'deepseek-v4-pro', 1_000_000).eligible).toBe(3);
  });

  it('shades by the free room it last saw, skips one it saw full or out of rotation, and forgets after SEEN_MS', () => {
    const set = accountSet();
    const [a, b] = set.list;
    const now = 1_000_000;
    saw(b!, 8, now); // b: weight 3 × 2/10 free = 0.6 against a's 1
    const shaded = spread(set, 'deepseek-v4-flash', now);
    expect(shaded.a! / shaded.b!).toBeGreaterThan(1.3);
    expect(shaded.a! / shaded.b!).toBeLessThan(2.1);
    saw(b!, 'full', now);
    expect(spread(set, 'deepseek-v4-flash', now, 200)).toEqual({ a: 200 });
    saw(a!, 'disabled', now);
    // nothing left to guess: admission goes straight to the full pick
    expect(guessAccount(set, 'deepseek-v4-flash', now)).toEqual({ account: null, eligible: 2 });
    expect(guessAccount(set, 'deepseek-v4-flash', now + SEEN_MS).account).not.toBeNull();
  });

  it('leaves out an account whose breaker is open', () => {
    const set = accountSet();
    const b = set.list[1]!;
    for (let i = 0; i < 10; i++) b.breaker.failure(Date.now());
    expect(b.breaker.peek(Date.now())).toBe(false);
    expect(spread(set, 'deepseek-v4-flash', Date.now(), 200)).toEqual({ a: 200 });
  });

  it("passes the guessed account alone to the admission script, with the set's disabled hash", () => {
    const set = accountSet();
    const solo = soloInputs(set, set.list[1]!);
    expect(solo.keys.values).toEqual([set.disabledKey, set.list[1]!.leaseKey]);
    expect(solo.args[0].values).toEqual(['b', 10]);
    expect(soloInputs(set, set.list[1]!)).toBe(solo);
  });
});
