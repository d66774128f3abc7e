// The slice of the shared configuration (@dsp/config, TOML names unchanged) this package reads.
// Typed structurally so any object with these fields (the loaded config, a test's literal) fits.
import type { Config } from '@dsp/config';
import type { AuthSettings } from '@dsp/core';

export interface DatabaseSettings {
  url: string;
  /** connections in this process's pool (default 10) */
  pool_size?: number;
}

export interface RedisSettings {
  url: string;
  key_prefix: string;
}

export interface QuotaSettings {
  timezone: string;
  /** 0 = unlimited */
  default_daily_requests: number;
  default_daily_tokens: number;
  default_monthly_tokens: number;
  /** currency of the budgets (default CNY): spend in another currency is not counted */
  budget_currency?: string;
}

export interface ServicesConfig {
  redis: Pick<RedisSettings, 'key_prefix'> & Partial<RedisSettings>;
  quota: QuotaSettings;
  /** only needed to mint tokens when no signer is passed to createServices */
  auth?: AuthSettings;
  /** `token_concurrency` is reported as a token's effective concurrency when it has none */
  limits?: { token_concurrency: number };
  /** the upstream accounts (the accounts service lists and controls these) */
  deepseek?: Config['deepseek'];
}
