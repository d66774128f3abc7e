// Reads every account's balance (`GET {base_url}/user/balance`) on an interval, in the primary:
// a gauge per currency, a warning below `low_balance` (and the account's low mark for the alerts),
// and an account disabled for a spent balance (402) back in rotation once it can pay again.
import type { Dispatcher } from 'undici';
import { Gauge, type Registry } from 'prom-client';
import { canPay, lowBalances, maskKey, parseBalance, type AccountBalance } from '@dsp/core';
import type { UpstreamAccount } from '@dsp/config';
import type { Logger } from '../log.js';
import { createAgent, request } from '../upstream/undici-core.js';

const TIMEOUT_MS = 10_000;

export interface BalancePollerOptions {
  accounts: () => readonly UpstreamAccount[];
  intervalMs: number;
  registry: Registry;
  log: Logger;
  /** the account can pay again: put it back if it was disabled for its balance */
  onCanPay(account: string): Promise<void>;
  /** every balance read: its first currency below `low_balance`, or null when none is (or no threshold) */
  onLowBalance(account: string, low: { currency: string; balance: string; lowBalance: number } | null): Promise<void>;
}

export class BalancePoller {
  private timer: NodeJS.Timeout | null = null;
  /** created on the first read: undici's Agent file loads only then */
  private agent: Dispatcher | null = null;
  private readonly balance: Gauge;
  private readonly available: Gauge;
  /** the latest answer per account, for the console */
  readonly latest = new Map<string, { at: number; balance: AccountBalance | null; error: string | null }>();

  constructor(private readonly o: BalancePollerOptions) {
    this.balance = new Gauge({
      name: 'dsp_upstream_account_balance',
      help: "The account's balance as DeepSeek reports it (GET /user/balance), per currency",
      labelNames: ['account', 'currency'],
      registers: [o.registry],
    });
    this.available = new Gauge({
      name: 'dsp_upstream_account_balance_available',
      help: "DeepSeek's is_available for the account: 1 when its balance suffices for API calls",
      labelNames: ['account'],
      registers: [o.registry],
    });
  }

  start(): void {
    if (this.o.intervalMs <= 0) return;
    void this.pollAll();
    this.timer = setInterval(() => void this.pollAll(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    void this.agent?.close();
  }

  async pollAll(): Promise<void> {
    const accounts = this.o.accounts().filter((a) => a.apiKey !== '');
    // accounts removed by a reload leave the gauges
    this.balance.reset();
    this.available.reset();
    await Promise.allSettled(accounts.map((a) => this.poll(a)));
  }

  private async poll(a: UpstreamAccount): Promise<void> {
    try {
      const url = new URL(`${a.baseUrl.replace(/\/+$/, '')}/user/balance`);
      const res = await request((this.agent ??= createAgent()), {
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'GET',
        headers: { authorization: `Bearer ${a.apiKey}`, accept: 'application/json' },
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      const b = parseBalance(text);
      this.latest.set(a.name, { at: Date.now(), balance: b, error: null });
      this.available.set({ account: a.name }, b.available ? 1 : 0);
      for (const x of b.balances) this.balance.set({ account: a.name, currency: x.currency }, Number(x.total));
      const low = lowBalances(b, a.lowBalance);
      if (low.length > 0) {
        this.o.log.warn(
          { account: a.name, key: maskKey(a.apiKey), balances: b.balances.filter((x) => low.includes(x.currency)), low_balance: a.lowBalance },
          'upstream account balance is low',
        );
      }
      const first = b.balances.find((x) => x.currency === low[0]);
      await this.o.onLowBalance(a.name, first ? { currency: first.currency, balance: first.total, lowBalance: a.lowBalance } : null);
      if (canPay(b)) await this.o.onCanPay(a.name);
    } catch (e) {
      this.latest.set(a.name, { at: Date.now(), balance: null, error: (e as Error).message });
      this.o.log.warn({ account: a.name, err: (e as Error).message }, 'could not read the upstream account balance');
    }
  }
}
