// DeepSeek's `GET /user/balance` answer, read defensively: the amounts are decimal strings and
// stay strings (the gauge is a float, a decision about money is not).

export interface AccountBalance {
  /** DeepSeek's `is_available`: the balance suffices for API calls */
  available: boolean;
  balances: Array<{ currency: string; total: string; granted: string; toppedUp: string }>;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Parses the body of `GET /user/balance`; throws an Error naming what is wrong. */
export function parseBalance(body: string): AccountBalance {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('balance answer is not JSON');
  }
  const o = json as { is_available?: unknown; balance_infos?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.is_available !== 'boolean' || !Array.isArray(o.balance_infos)) {
    throw new Error('balance answer lacks is_available / balance_infos');
  }
  const balances = o.balance_infos.map((b: unknown, i) => {
    const x = b as Record<string, unknown>;
    const amount = (k: string) => {
      const v = x?.[k];
      if (typeof v !== 'string' || !DECIMAL.test(v)) throw new Error(`balance_infos[${i}].${k} is not a decimal string`);
      return v;
    };
    if (typeof x?.currency !== 'string' || x.currency === '') throw new Error(`balance_infos[${i}].currency is missing`);
    return { currency: x.currency, total: amount('total_balance'), granted: amount('granted_balance'), toppedUp: amount('topped_up_balance') };
  });
  return { available: o.is_available, balances };
}

/** A decimal string above zero, decided on the digits (no float rounding). */
export function isPositiveAmount(amount: string): boolean {
  return DECIMAL.test(amount) && !amount.startsWith('-') && /[1-9]/.test(amount);
}

/** True when the account can pay: DeepSeek says available and some balance is above zero. */
export function canPay(b: AccountBalance): boolean {
  return b.available && b.balances.some((x) => isPositiveAmount(x.total));
}

/** Currencies whose total is below `threshold` (0 = never low). */
export function lowBalances(b: AccountBalance, threshold: number): string[] {
  if (threshold <= 0) return [];
  return b.balances.filter((x) => Number(x.total) < threshold).map((x) => x.currency);
}
