// Account selection, the part that needs no shared state: which accounts may serve a request
// (enabled, breaker allows, serves the model) and, among those with room, the weighted choice.
// The choice among candidates is made inside the admission script (it needs the cluster-wide
// in-flight counts atomically); `weightedPick` is the same rule in TypeScript, the reference the
// script is tested against.

export interface AccountView {
  name: string;
  enabled: boolean;
  /** empty = every model */
  models: readonly string[];
  weight: number;
  /** 0 = no cap */
  maxConcurrency: number;
}

/** Indexes of the accounts that may serve `model` now, in configuration order. */
export function eligibleAccounts(
  accounts: readonly AccountView[],
  model: string,
  healthy: (i: number) => boolean,
  exclude: ReadonlySet<number> = new Set(),
): number[] {
  const out: number[] = [];
  for (let i = 0; i < accounts.length; i++) {
    const a = accounts[i]!;
    if (!a.enabled || exclude.has(i)) continue;
    if (a.models.length > 0 && !a.models.includes(model)) continue;
    if (!healthy(i)) continue;
    out.push(i);
  }
  return out;
}

/**
 * The score of an account with `inFlight` requests: weight × the free fraction of its cap (an
 * uncapped account counts as entirely free); 0 when it is full.
 */
export function accountScore(weight: number, cap: number, inFlight: number): number {
  if (cap <= 0) return weight;
  if (inFlight >= cap) return 0;
  return (weight * (cap - inFlight)) / cap;
}

/** Picks index i with probability score_i / Σ score, from `r` uniform in [0, 1); -1 when all are full. */
export function weightedPick(scores: readonly number[], r: number): number {
  let total = 0;
  for (const s of scores) total += s;
  if (total <= 0) return -1;
  let point = r * total;
  let last = -1;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! <= 0) continue;
    last = i;
    if (point < scores[i]!) return i;
    point -= scores[i]!;
  }
  return last; // rounding at the very top of the range
}
