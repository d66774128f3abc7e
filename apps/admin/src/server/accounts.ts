// The Accounts page's data: the service layer's list (configuration, masked keys, rotation state,
// slots held) joined with what the gateway hosts' metrics say about each account right now
// (in flight, breaker, balance, attempts by outcome). A host that does not answer is named.
import 'server-only';
import type { AccountStatus, Services } from '@dsp/db';
import type { AccountDTO, AccountsOverviewDTO } from '../lib/account-types';
import { parsePrometheus, type Sample } from '../metrics/prom';
import { adminSettings } from './env';
import { fetchText } from './scraper';

const BREAKER = ['closed', 'half_open', 'open'] as const;

export async function accountsOverview(svc: Services): Promise<AccountsOverviewDTO> {
  const urls = adminSettings().gatewayMetricsUrls;
  const [list, ...scrapes] = await Promise.all([
    svc.accounts.list(),
    ...urls.map((u) =>
      fetchText(u, 2000).then(
        (t) => ({ url: u, text: t, error: null }),
        (e: Error) => ({ url: u, text: '', error: e.message }),
      ),
    ),
  ]);
  const samples: Sample[] = scrapes.flatMap((s) => (s.error ? [] : parsePrometheus(s.text).samples));
  return { accounts: list.map((a) => merge(a, samples)), hosts: scrapes.map((s) => ({ url: s.url, error: s.error })) };
}

function merge(a: AccountStatus, samples: Sample[]): AccountDTO {
  const mine = samples.filter((s) => s.labels.account === a.name);
  const sum = (name: string, pred: (s: Sample) => boolean = () => true) => mine.filter((s) => s.name === name && pred(s)).reduce((n, s) => n + s.value, 0);
  const breakerValue = Math.max(0, ...mine.filter((s) => s.name === 'dsp_upstream_account_breaker_state').map((s) => s.value));
  const balances = new Map<string, number>();
  for (const s of mine) if (s.name === 'dsp_upstream_account_balance' && s.labels.currency) balances.set(s.labels.currency, s.value);
  const outcomes: Record<string, number> = {};
  for (const s of mine)
    if (s.name === 'dsp_upstream_account_requests_total' && s.labels.outcome) outcomes[s.labels.outcome] = (outcomes[s.labels.outcome] ?? 0) + s.value;
  const total = Object.values(outcomes).reduce((n, v) => n + v, 0);
  return {
    name: a.name,
    key: a.key,
    baseUrl: a.baseUrl,
    maxConcurrency: a.maxConcurrency,
    weight: a.weight,
    models: [...a.models],
    lowBalance: a.lowBalance,
    configured: a.configured,
    disabled: a.disabled ? { reason: a.disabled.reason, since: new Date(a.disabled.since).toISOString() } : null,
    inFlight: a.slotsHeld ?? sum('dsp_upstream_account_in_flight'),
    breaker: BREAKER[Math.min(2, breakerValue)] ?? 'closed',
    balances: [...balances].map(([currency, amount]) => ({ currency, amount, low: a.lowBalance > 0 && amount < a.lowBalance })),
    requests: total,
    errors: total - (outcomes.ok ?? 0) - (outcomes.client_error ?? 0) - (outcomes.aborted ?? 0),
    retries: sum('dsp_upstream_account_retries_total'),
  };
}
