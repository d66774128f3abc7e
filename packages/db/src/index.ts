// @dsp/db: the Postgres schema and migrations, the usage ledger writer, and the service layer
// shared by the CLI and the admin console.
export type { DatabaseSettings, RedisSettings, QuotaSettings, ServicesConfig } from './config.js';
export { ADMIN_ROLES, isAdminRole, parseAdminRole, allows, assertAllows, type AdminRole, type Access } from './roles.js';
export { ServiceError, isServiceError, SERVICE_ERROR_CODES, type ServiceErrorCode } from './errors.js';
export {
  createPool,
  withTransaction,
  ensureDatabase,
  databaseName,
  maintenanceUrl,
  redactUrl,
  quoteIdent,
  type Pool,
  type PoolClient,
  type Queryable,
} from './pool.js';
export { migrate, migrateDatabase, loadMigrations, MIGRATIONS_DIR, type Migration, type MigrateResult } from './migrate.js';
export { insertUsageEvents } from './ledger.js';
export { reconcile, type ReconcileOptions, type ReconcileResult, type Difference } from './reconcile.js';
export { insertRefusals, type RefusalEvent } from './refusals.js';
export { recordBudgetAlert, markBudgetAlertDelivered, markBudgetAlertFailed, undeliveredBudgetAlerts, type BudgetAlert } from './budget-alerts.js';
export {
  recordAccountAlert,
  markAccountAlertDelivered,
  markAccountAlertFailed,
  undeliveredAccountAlerts,
  type AccountAlert,
  type AccountDisabledAlert,
  type AccountLowBalanceAlert,
} from './account-alerts.js';
export type { RefusalsService, RefusalRow, RefusalOptions } from './services/refusals.js';
export { createRedis, createServerRedis, type RedisClient } from './redis.js';
export { hashPassword, verifyPassword } from './password.js';
export { parseDuration } from './duration.js';
export { toCsv } from './csv.js';
export { createServices, type CreateServicesOptions, type Services } from './services/index.js';
export type { UsersService, UserSummary, UserUsage, CreateUserInput, ListUsersOptions, ListUsersResult, UserProfilePatch } from './services/users-types.js';
export { validateUserId, type User, type UserStatus } from './services/users-shared.js';
export { validateLabels } from './services/user-profile.js';
export type { QuotasService, Quotas, QuotaPatch, EffectiveLimits, Limit } from './services/quotas.js';
export { UNLIMITED } from './services/quotas.js';
export {
  MAX_BUDGET,
  validateBudget,
  validateBudgetPatch,
  type BudgetsService,
  type BudgetPatch,
  type TokenBudgets,
  type TokenSpend,
} from './services/budgets.js';
export type { TokensService, TokenRecord, TokenStatus, IssueTokenOptions } from './services/tokens.js';
export type {
  UsageService,
  UsageTotals,
  DayRange,
  UserUsageReport,
  DailyUsageRow,
  RequestLogRow,
  RequestLogOptions,
  ReportRow,
  ReportOptions,
  ReportGroup,
} from './services/usage-types.js';
export { REPORT_GROUPS, STATUS_FILTERS } from './services/usage-types.js';
export type { AdminsService, Admin, AdminSession } from './services/admins-types.js';
export { API_KEY_PREFIX, type ApiKeysService, type ApiKey } from './services/api-keys.js';
export type { IdempotencyService, IdempotencyScope } from './services/idempotency.js';
export type { TokenRotationService, TokenPageOptions, RotateOptions } from './services/token-rotation.js';
export { retireDueTokens, MAX_GRACE_SECONDS } from './services/token-rotation.js';
export type { AuditService, AuditEntry, AuditListOptions } from './services/audit.js';
export type { SyncResult } from './services/sync.js';
export { accountsReloadChannel, type AccountsService, type AccountStatus } from './services/accounts.js';
export type { HistoryService } from './services/history.js';
