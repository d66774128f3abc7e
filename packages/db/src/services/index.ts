// The service layer: the one implementation of every operator action, used by the CLI and the
// admin console alike. Each mutation writes Postgres (with its audit row) first, then Redis.
import { createSigner, type Signer } from '@dsp/core';
import type { ServicesConfig } from '../config.js';
import { ServiceError } from '../errors.js';
import type { Pool } from '../pool.js';
import type { RedisClient } from '../redis.js';
import { createAccountsService, type AccountsService } from './accounts.js';
import { createAdminsService } from './admins.js';
import type { AdminsService } from './admins-types.js';
import { createApiKeysService, type ApiKeysService } from './api-keys.js';
import { createIdempotencyService, type IdempotencyService } from './idempotency.js';
import { createTokenRotationService, type TokenRotationService } from './token-rotation.js';
import { createAuditService, type AuditService } from './audit.js';
import { createHistoryService, type HistoryService } from './history.js';
import { createBudgetsService, type BudgetsService } from './budgets.js';
import type { ServiceContext } from './context.js';
import { createQuotasService, type QuotasService } from './quotas.js';
import { createRefusalsService, type RefusalsService } from './refusals.js';
import { createSyncService, type SyncResult } from './sync.js';
import { createTokensService, type TokensService } from './tokens.js';
import { createUsageService } from './usage.js';
import type { UsageService } from './usage-types.js';
import { createUsersService } from './users.js';
import type { UsersService } from './users-types.js';

export interface CreateServicesOptions {
  pool: Pool;
  redis: RedisClient;
  config: ServicesConfig;
  /** signs tokens; default createSigner(config.auth), created on the first token issued */
  signer?: Signer | Promise<Signer>;
  /** audit actor, e.g. 'cli:alice', 'admin:root'; default 'system' */
  actor?: string;
  /** clock (epoch ms), for tests */
  now?: () => number;
}

export interface Services {
  readonly actor: string;
  users: UsersService;
  tokens: TokensService & TokenRotationService;
  quotas: QuotasService;
  budgets: BudgetsService;
  usage: UsageService;
  refusals: RefusalsService;
  admins: AdminsService;
  apiKeys: ApiKeysService;
  idempotency: IdempotencyService;
  audit: AuditService;
  accounts: AccountsService;
  /** the dashboard's 24-hour history (per minute, from Redis) */
  history: HistoryService;
  sync(): Promise<SyncResult>;
  syncIfMarkerMissing(): Promise<boolean>;
  /** the same services (same pool, Redis, signer) recording another actor in the audit log */
  withActor(actor: string): Services;
}

export function createServices(options: CreateServicesOptions): Services {
  const { pool, redis, config } = options;
  let signer: Promise<Signer> | undefined = options.signer ? Promise.resolve(options.signer) : undefined;
  const getSigner = (): Promise<Signer> => {
    if (!signer) {
      if (!config.auth) return Promise.reject(new ServiceError('not_configured', 'no [auth] settings to sign tokens with'));
      const p = createSigner(config.auth);
      signer = p;
      p.catch(() => {
        if (signer === p) signer = undefined; // retry after a config fix, e.g. a key file created later
      });
    }
    return signer;
  };
  const now = options.now ?? Date.now;

  const build = (actor: string): Services => {
    const ctx: ServiceContext = {
      pool,
      redis,
      config,
      prefix: config.redis.key_prefix,
      actor,
      signer: getSigner,
      now,
    };
    const quotas = createQuotasService(ctx);
    const sync = createSyncService(ctx);
    return {
      actor,
      users: createUsersService(ctx, quotas),
      tokens: { ...createTokensService(ctx), ...createTokenRotationService(ctx) },
      quotas,
      budgets: createBudgetsService(ctx),
      usage: createUsageService(ctx),
      refusals: createRefusalsService(ctx),
      admins: createAdminsService(ctx),
      apiKeys: createApiKeysService(ctx),
      idempotency: createIdempotencyService(ctx),
      audit: createAuditService(ctx),
      accounts: createAccountsService(ctx),
      history: createHistoryService(ctx),
      sync: sync.sync,
      syncIfMarkerMissing: sync.syncIfMarkerMissing,
      withActor: (a: string) => build(a),
    };
  };
  return build(options.actor ?? 'system');
}
