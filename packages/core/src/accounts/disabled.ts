// The `{acct}:disabled` hash: field = account name, value = why and since when
// (`key_refused 1733149200000`). The admission script only asks whether a field exists.

export type DisableReason = 'operator' | 'key_refused' | 'balance';

export interface DisabledAccount {
  reason: DisableReason;
  /** epoch ms */
  since: number;
}

const REASONS: readonly DisableReason[] = ['operator', 'key_refused', 'balance'];

export function disableValue(reason: DisableReason, now: number): string {
  return `${reason} ${now}`;
}

export function parseDisabled(value: string): DisabledAccount {
  const [reason, since] = value.split(' ');
  return { reason: REASONS.includes(reason as DisableReason) ? (reason as DisableReason) : 'operator', since: Number(since) || 0 };
}
