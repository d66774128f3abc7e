// The `{acct}:low` hash: field = account name, value = the low balance the primary's balance
// poller first saw and when. Set with HSETNX (every gateway host polls: the first sighting wins,
// later ones keep its time), removed once the balance is back at or above the threshold. The
// recorders turn each value into one alert, keyed by its `since`.

export interface LowMark {
  /** epoch ms of the first sighting */
  since: number;
  currency: string;
  /** DeepSeek's decimal string */
  balance: string;
  low_balance: number;
}

export function lowMarkValue(m: LowMark): string {
  return JSON.stringify(m);
}

/** null for a value that is not a mark (written by something else): it is ignored, not alerted. */
export function parseLowMark(value: string): LowMark | null {
  try {
    const m = JSON.parse(value) as Partial<LowMark>;
    if (typeof m.since !== 'number' || typeof m.currency !== 'string' || typeof m.balance !== 'string' || typeof m.low_balance !== 'number') return null;
    return { since: m.since, currency: m.currency, balance: m.balance, low_balance: m.low_balance };
  } catch {
    return null;
  }
}
