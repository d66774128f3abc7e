// Exact sums of the money amounts the services return (decimal strings with at most 9 places),
// for the console's regrouping in the browser: bigint nanos, never binary floats.
const PLACES = 9;
const AMOUNT_RE = /^(\d+)(?:\.(\d{1,9}))?$/;

/** "1.25" → 1250000000n; anything else is a programming error. */
export function toNanos(amount: string): bigint {
  const m = AMOUNT_RE.exec(amount);
  if (!m) throw new RangeError(`not an amount: ${amount}`);
  return BigInt(m[1]!) * 10n ** BigInt(PLACES) + BigInt((m[2] ?? '').padEnd(PLACES, '0'));
}

/** 1250000000n → "1.25" */
export function fromNanos(n: bigint): string {
  const whole = n / 10n ** BigInt(PLACES);
  const frac = (n % 10n ** BigInt(PLACES)).toString().padStart(PLACES, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

export function addAmounts(a: string, b: string): string {
  return fromNanos(toNanos(a) + toNanos(b));
}

/** Add each currency of `from` into `into` (both currency → amount). */
export function addCosts(into: Record<string, string>, from: Readonly<Record<string, string>>): void {
  for (const [c, v] of Object.entries(from)) into[c] = into[c] === undefined ? v : addAmounts(into[c], v);
}

/** Amounts shown as "CNY 1.25 · USD 0.1", largest first by nothing but currency order; "" when none. */
export function formatCosts(costs: Readonly<Record<string, string>>): string {
  return Object.keys(costs)
    .sort()
    .map((c) => `${c} ${costs[c]}`)
    .join(' · ');
}
