// Upstream accounts as the operator sees them: the configured accounts (keys masked), whether each
// is in rotation, and the slots it holds cluster-wide. Taking one out of rotation or back is
// audited; a reload asks every gateway host (over Redis pub/sub) to re-read its accounts.
import { upstreamAccounts, type UpstreamAccount } from '@dsp/config';
import { disableValue, keys, maskKey, parseDisabled, type DisabledAccount } from '@dsp/core';
import { ServiceError } from '../errors.js';
import { redisReason } from '../redis.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';

export interface AccountStatus {
  name: string;
  /** `sk-…abcd`; the key itself never leaves the process */
  key: string;
  baseUrl: string;
  maxConcurrency: number;
  weight: number;
  models: readonly string[];
  lowBalance: number;
  /** `enabled` in the configuration */
  configured: boolean;
  /** out of rotation in Redis (operator, key refused by the upstream, balance spent), or null */
  disabled: DisabledAccount | null;
  /** slots held cluster-wide (capped accounts only; null for an uncapped one) */
  slotsHeld: number | null;
}

export interface AccountsService {
  list(): Promise<AccountStatus[]>;
  disable(name: string): Promise<AccountStatus>;
  enable(name: string): Promise<AccountStatus>;
  /** asks every gateway host to reload its accounts; the number of hosts that heard it */
  reload(): Promise<number>;
}

/** The channel gateway primaries listen on for reloads. */
export const accountsReloadChannel = keys.accountsReloadChannel;

/** A Redis step of this service: a ServiceError saying what could not be done (there is nothing to sync). */
async function inRedis<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new ServiceError('redis_unavailable', `${what}: Redis is unreachable (${redisReason(e)})`, { cause: e });
  }
}

export function createAccountsService(ctx: ServiceContext): AccountsService {
  const disabledKey = keys.accountsDisabled(ctx.prefix);
  const configured = (): UpstreamAccount[] => {
    const ds = ctx.config.deepseek;
    return ds ? upstreamAccounts({ deepseek: ds }) : [];
  };
  const find = (name: unknown): UpstreamAccount => {
    const a = typeof name === 'string' ? configured().find((x) => x.name === name) : undefined;
    if (!a) throw new ServiceError('not_found', `no upstream account named ${JSON.stringify(name)} in the configuration`);
    return a;
  };

  async function statuses(list: UpstreamAccount[]): Promise<AccountStatus[]> {
    const now = ctx.now();
    const [off, held] = await inRedis('cannot read the state of the accounts', async () => {
      const all = await ctx.redis.hgetall(disabledKey);
      const counts = await Promise.all(
        list.map((a) => (a.maxConcurrency > 0 ? ctx.redis.zcount(keys.accountLeases(ctx.prefix, a.name), `(${now}`, '+inf') : null)),
      );
      return [all, counts] as const;
    });
    return list.map((a, i) => ({
      name: a.name,
      key: maskKey(a.apiKey),
      baseUrl: a.baseUrl,
      maxConcurrency: a.maxConcurrency,
      weight: a.weight,
      models: a.models,
      lowBalance: a.lowBalance,
      configured: a.enabled,
      disabled: off[a.name] === undefined ? null : parseDisabled(off[a.name]!),
      slotsHeld: held[i] ?? null,
    }));
  }

  async function setDisabled(name: string, disabled: boolean): Promise<AccountStatus> {
    const a = find(name);
    await writeAudit(ctx.pool, ctx.actor, disabled ? 'account.disable' : 'account.enable', a.name, {});
    await inRedis(`account "${a.name}" could not be ${disabled ? 'disabled' : 'enabled'}`, () =>
      disabled ? ctx.redis.hset(disabledKey, a.name, disableValue('operator', ctx.now())) : ctx.redis.hdel(disabledKey, a.name),
    );
    return (await statuses([a]))[0]!;
  }

  return {
    list: () => statuses(configured()),
    disable: (name) => setDisabled(name, true),
    enable: (name) => setDisabled(name, false),
    async reload() {
      await writeAudit(ctx.pool, ctx.actor, 'account.reload', null, {});
      return inRedis('the reload could not be sent', () => ctx.redis.publish(accountsReloadChannel(ctx.prefix), String(ctx.now())));
    },
  };
}
