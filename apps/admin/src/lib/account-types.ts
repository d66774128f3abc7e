// What the Accounts page and its route handlers exchange (no key is ever part of it, only its mask).

export interface AccountDTO {
  name: string;
  /** `sk-…abcd` */
  key: string;
  baseUrl: string;
  maxConcurrency: number;
  weight: number;
  models: string[];
  lowBalance: number;
  /** `enabled` in the configuration file */
  configured: boolean;
  /** out of rotation: `operator`, `key_refused` (401), `balance` (402) */
  disabled: { reason: string; since: string } | null;
  inFlight: number;
  breaker: 'closed' | 'half_open' | 'open';
  balances: { currency: string; amount: number; low: boolean }[];
  /** upstream attempts since the gateways started, and how many failed (errors, overload, refused) */
  requests: number;
  errors: number;
  retries: number;
}

export interface AccountsOverviewDTO {
  accounts: AccountDTO[];
  /** gateway metrics endpoints read, with the error of each that did not answer */
  hosts: { url: string; error: string | null }[];
}
