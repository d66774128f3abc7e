// Money as integers: every stored or counted amount is a whole number of nanos (1e-9 of its
// currency): bigint in code, decimal strings in JSON and Postgres NUMERIC, INCRBY integers in Redis.
// Decimal strings are what people read and write; the conversion is exact both ways.
import { Decimal } from 'decimal.js';

/** Decimal places of a nano amount. */
export const NANO_DIGITS = 9;
const NANOS = 1_000_000_000n;

/** A decimal.js constructor with room for any amount we handle (the default precision is 20 digits). */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });

/** "12.5" → 12500000000n; throws on anything that is not a decimal with at most 9 places. */
export function decimalToNanos(value: string | number): bigint {
  const d = new Dec(typeof value === 'number' ? String(value) : value.trim());
  if (!d.isFinite() || d.decimalPlaces() > NANO_DIGITS) throw new RangeError(`not an amount with at most ${NANO_DIGITS} decimal places: ${String(value)}`);
  return BigInt(d.times(NANOS.toString()).toFixed(0));
}

/** 12500000000n → "12.5" (no exponent, no trailing zeros); `fixed` keeps all 9 places. */
export function nanosToDecimal(nanos: bigint, fixed = false): string {
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  const whole = (abs / NANOS).toString();
  let frac = (abs % NANOS).toString().padStart(NANO_DIGITS, '0');
  if (!fixed) frac = frac.replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
