// The primary's part of the accounts: the balance poller, and reloads. SIGHUP (or a reload asked
// for by the console over Redis pub/sub) re-reads the configuration; when it is valid, accounts the
// upstream refused (401) go back into rotation — the operator has had the chance to fix the key —
// and every HTTP worker swaps its accounts. An invalid file changes nothing and says why.
import type { Redis } from 'ioredis';
import { redisClient, redisPolicies } from '@dsp/db/redis';
import type { Registry } from 'prom-client';
import { loadConfig, upstreamAccounts, type Config, type UpstreamAccount } from '@dsp/config';
import { keys, lowMarkValue } from '@dsp/core';
import type { Logger } from '../log.js';
import { disabledAccounts, enableAccount } from './account-control.js';
import { BalancePoller } from './balance-poller.js';

export interface PrimaryAccountsOptions {
  config: Config;
  registry: Registry;
  log: Logger;
  /** tell every HTTP worker to reload */
  broadcast(): void;
  load?: () => Config;
}

/** A client for the primary's few account commands, and one for SUBSCRIBE (which takes a connection). */
function connect(config: Config): Redis {
  return redisClient(config.redis.url, config.redis.cluster, redisPolicies.background);
}

export function startPrimaryAccounts(o: PrimaryAccountsOptions): { reload(): Promise<boolean>; stop(): void } {
  const redis = connect(o.config);
  const subscriber = connect(o.config);
  let accounts: readonly UpstreamAccount[] = upstreamAccounts(o.config);
  const disabledKey = keys.accountsDisabled(o.config.redis.key_prefix);
  const lowKey = keys.accountsLow(o.config.redis.key_prefix);
  const poller = new BalancePoller({
    accounts: () => accounts,
    intervalMs: o.config.deepseek.balance_interval_seconds * 1000,
    registry: o.registry,
    log: o.log,
    async onCanPay(name) {
      if (await enableAccount(redis, disabledKey, name, 'balance').catch(() => false)) {
        o.log.warn({ account: name }, 'upstream account can pay again: back in rotation');
      }
    },
    // the low mark the recorders alert on: set once per dip (HSETNX: the first host to see it), cleared
    // when the balance is back; a failed read changes nothing
    async onLowBalance(name, low) {
      try {
        if (low === null) await redis.hdel(lowKey, name);
        else await redis.hsetnx(lowKey, name, lowMarkValue({ since: Date.now(), currency: low.currency, balance: low.balance, low_balance: low.lowBalance }));
      } catch (e) {
        o.log.warn({ account: name, err: (e as Error).message }, 'could not record the low balance mark in Redis');
      }
    },
  });
  poller.start();

  const reload = async (): Promise<boolean> => {
    let config: Config;
    try {
      config = (o.load ?? (() => loadConfig().config))();
    } catch (e) {
      o.log.error({ err: (e as Error).message }, 'reload refused: the configuration is invalid; nothing changed');
      return false;
    }
    accounts = upstreamAccounts(config);
    try {
      for (const [name, d] of await disabledAccounts(redis, disabledKey)) {
        if (d.reason === 'key_refused' && (await enableAccount(redis, disabledKey, name, 'key_refused'))) {
          o.log.warn({ account: name }, 'configuration reloaded: account refused by the upstream is back in rotation');
        }
      }
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'reload: could not clear refused accounts in Redis');
    }
    o.broadcast();
    o.log.info({ accounts: accounts.map((a) => a.name) }, 'accounts reload sent to the workers');
    void poller.pollAll();
    return true;
  };

  const onHup = () => void reload();
  process.on('SIGHUP', onHup);
  const channel = keys.accountsReloadChannel(o.config.redis.key_prefix);
  subscriber.subscribe(channel).catch((e: Error) => o.log.warn({ err: e.message }, 'cannot subscribe to account reloads'));
  subscriber.on('message', (ch) => {
    if (ch === channel) void reload();
  });
  return {
    reload,
    stop() {
      poller.stop();
      process.off('SIGHUP', onHup);
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
