// The users service's public types: what it takes, what it answers, and the service itself.
import type { EffectiveLimits, QuotaPatch } from './quotas.js';
import type { User, UserStatus } from './users-shared.js';

/** This period's counters from Redis (what the gateway enforces against). */
export interface UserUsage {
  /** YYYYMMDD / YYYYMM in the quota timezone */
  day: string;
  month: string;
  dailyRequests: number;
  dailyTokens: number;
  monthlyRequests: number;
  monthlyTokens: number;
  /** what the user spent, in [quota] budget_currency (exact decimal strings) */
  dailySpend: string;
  monthlySpend: string;
}

export interface UserSummary extends User {
  /** limits in force */
  limits: EffectiveLimits;
  /** null when Redis could not be read */
  usage: UserUsage | null;
}

export interface CreateUserInput {
  id: string;
  name?: string | null;
  quotas?: QuotaPatch;
}

export interface ListUsersOptions {
  /** case-insensitive substring of the id, the name or a label */
  search?: string;
  /** only users with this label (exact) */
  label?: string;
  /** deleted users: left out (default), listed with the others, or alone */
  deleted?: 'exclude' | 'include' | 'only';
  status?: UserStatus;
  /** default 0 */
  offset?: number;
  /** only users whose id sorts after this one (keyset pagination: the last id of the previous page) */
  after?: string;
  /** default 50, at most 1000 */
  limit?: number;
}

export interface ListUsersResult {
  rows: UserSummary[];
  /** users matching the filter, over all pages */
  total: number;
  /** set when the Redis counters could not be read (rows then have usage: null) */
  usageError?: string;
}

export interface UsersService {
  create(input: CreateUserInput): Promise<User>;
  list(options?: ListUsersOptions): Promise<ListUsersResult>;
  get(id: string): Promise<UserSummary>;
  disable(id: string): Promise<User>;
  enable(id: string): Promise<User>;
  /** same as quotas.set */
  setQuota(id: string, patch: QuotaPatch): Promise<User>;
  /** the operators' name, notes and labels of a user; fields left out stay */
  update(id: string, patch: UserProfilePatch): Promise<User>;
  /** soft delete: disabled, every live token revoked, out of the lists; the ledger keeps its rows */
  delete(id: string): Promise<User>;
  /** undoes a delete; the user stays disabled and its tokens revoked until an operator decides */
  restore(id: string): Promise<User>;
}

export interface UserProfilePatch {
  name?: string | null;
  notes?: string | null;
  labels?: readonly string[] | null;
}
