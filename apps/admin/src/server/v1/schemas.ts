// The zod schemas of the admin REST API (/api/v1): they validate every request and, through
// @asteasolutions/zod-to-openapi, are the OpenAPI document. Responses are described here too, and
// the API test validates real responses against that document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

const ts = z.string().meta({ format: 'date-time' });
const tsOrNull = ts.nullable();
const limitQuery = z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'page size (default 50, at most 1000)' });
const cursorQuery = z.string().min(1).max(256).optional().meta({ description: "the previous page's `nextCursor`" });
/** an explicit limit (a number >= 0; 0 blocks), "unlimited", or null for the configured default */
const quotaValue = z.union([z.number().int(), z.literal('unlimited')]).nullable();
/** a budget in [quota] budget_currency: an exact decimal string (no binary float), or null for none */
const budgetValue = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,9})?$/, 'a budget is a decimal string >= 0 with at most 9 decimal places, e.g. "5" or "12.50" (null: no budget)')
  .nullable()
  .meta({ description: 'spend per period in [quota] budget_currency, an exact decimal string; 0 blocks every request; null = no budget' });
const budgetOut = z.string().nullable().meta({ description: 'in [quota] budget_currency, an exact decimal string; null = no budget' });

export const ErrorBody = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string().meta({
        description:
          'invalid_request, invalid_api_key, forbidden, not_found, duplicate, conflict, idempotency_key_reused, idempotency_in_progress, not_configured, service_unavailable, internal_error',
      }),
    }),
  })
  .meta({ id: 'Error' });

export const User = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    dailyRequests: quotaValue,
    dailyTokens: quotaValue,
    monthlyTokens: quotaValue,
    dailyBudget: budgetOut,
    monthlyBudget: budgetOut,
    notes: z.string().meta({ description: "the operators' notes ('' = none)" }),
    labels: z.array(z.string()).meta({ description: "the operators' labels, sorted" }),
    deletedAt: tsOrNull.meta({ description: 'soft-deleted: disabled, tokens revoked, out of the lists; the ledger keeps its rows' }),
    createdAt: ts,
    updatedAt: ts,
  })
  .meta({ id: 'User' });

export const UserList = z.object({ rows: z.array(User), nextCursor: z.string().nullable() }).meta({ id: 'UserList' });
export const UserListQuery = z.object({
  status: z.enum(['active', 'disabled']).optional(),
  search: z.string().max(200).optional().meta({ description: 'substring of the id, the name or a label, any case' }),
  label: z.string().max(32).optional().meta({ description: 'only users with this label' }),
  deleted: z.enum(['exclude', 'include', 'only']).optional().meta({ description: 'deleted users: left out (default), listed too, or alone' }),
  limit: limitQuery,
  cursor: cursorQuery,
});
export const UserCreate = z
  .object({
    id: z.string().min(1).max(128),
    name: z.string().max(200).nullable().optional(),
    dailyRequests: quotaValue.optional(),
    dailyTokens: quotaValue.optional(),
    monthlyTokens: quotaValue.optional(),
  })
  .strict()
  .meta({ id: 'UserCreate' });
export const UserPatch = z
  .object({
    status: z.enum(['active', 'disabled']).optional(),
    dailyRequests: quotaValue.optional(),
    dailyTokens: quotaValue.optional(),
    monthlyTokens: quotaValue.optional(),
    dailyBudget: budgetValue.optional(),
    monthlyBudget: budgetValue.optional(),
    name: z.string().max(200).nullable().optional(),
    notes: z.string().max(2000).nullable().optional(),
    labels: z.array(z.string()).max(20).nullable().optional().meta({ description: 'replaces the labels: lower-case a-z 0-9 . _ : -, 1-32 characters' }),
  })
  .strict()
  .meta({ id: 'UserPatch' });
export const UserIdParams = z.object({ id: z.string().min(1).max(128) });

export const Token = z
  .object({
    id: z.string(),
    userId: z.string(),
    name: z.string(),
    hint: z.string(),
    concurrency: z.number().int().nullable(),
    models: z.array(z.string()).nullable(),
    expiresAt: tsOrNull,
    createdAt: ts,
    revokedAt: tsOrNull,
    retireAt: tsOrNull.meta({ description: 'rotated with a grace period: it keeps working until then' }),
    lastUsedAt: tsOrNull,
    status: z.enum(['active', 'revoked', 'expired']),
    dailyBudget: budgetOut,
    monthlyBudget: budgetOut,
  })
  .meta({ id: 'Token' });
export const TokenPatch = z
  .object({ dailyBudget: budgetValue.optional(), monthlyBudget: budgetValue.optional() })
  .strict()
  .meta({ id: 'TokenPatch', description: "a token's own budgets, beside its user's (the request must fit both)" });
export const TokenList = z.object({ rows: z.array(Token), nextCursor: z.string().nullable() }).meta({ id: 'TokenList' });
export const TokenListQuery = z.object({
  user: z.string().max(128).optional(),
  status: z.enum(['active', 'revoked', 'expired']).optional(),
  limit: limitQuery,
  cursor: cursorQuery,
});
export const TokenIssue = z
  .object({
    userId: z.string().min(1).max(128),
    name: z.string().max(64).optional(),
    concurrency: z.number().int().nullable().optional(),
    models: z.array(z.string()).nullable().optional(),
    expiresIn: z.string().max(32).nullable().optional().meta({ description: '"30d", "12h", "90m" or "never" (default)' }),
  })
  .strict()
  .meta({ id: 'TokenIssue' });
export const TokenRotate = z
  .object({
    grace: z
      .string()
      .max(32)
      .nullable()
      .optional()
      .meta({ description: 'the old token keeps working this long: "1h", "7d" (at most 30 days); default revoked at once' }),
    concurrency: z.number().int().nullable().optional().meta({ description: "the new token's in-flight limit; null = [limits] default; left out = as before" }),
    models: z.array(z.string()).nullable().optional().meta({ description: 'null = every model; left out = as before' }),
    expiresIn: z.string().max(32).nullable().optional().meta({ description: '"30d", "never"; left out = the old lifetime' }),
  })
  .strict()
  .meta({ id: 'TokenRotate' });
export const IssuedToken = z
  .object({ token: z.string().meta({ description: 'the JWT: returned by this call only' }), record: Token })
  .meta({ id: 'IssuedToken' });
export const RotatedToken = z.object({ token: z.string(), record: Token, replaced: Token }).meta({ id: 'RotatedToken' });
export const TokenIdParams = z.object({ id: z.string().min(1).max(128) });

const totals = {
  requests: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  cacheHitTokens: z.number().int(),
  cacheMissTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  totalTokens: z.number().int(),
  errors: z.number().int(),
  aborted: z.number().int(),
  cost: z.record(z.string(), z.string()).meta({ description: 'what the requests cost per currency, exact decimal strings, e.g. {"CNY": "1.25"}' }),
  unpriced: z.number().int().meta({ description: 'requests whose model had no [pricing] entry (they cost nothing)' }),
};
export const UsageDay = z
  .object({
    day: z.string(),
    userId: z.string(),
    model: z.string(),
    ...totals,
    currency: z.string().meta({ description: 'ISO 4217 code of `amount`; "" when the model had no price' }),
    amount: z.string().meta({ description: 'the cost of this row in `currency`, an exact decimal string' }),
  })
  .loose()
  .meta({ id: 'UsageDay', description: 'one day × user × model of the ledger (later releases may add fields)' });
export const UsageReport = z.object({ from: z.string(), to: z.string(), timezone: z.string(), rows: z.array(UsageDay) }).meta({ id: 'UsageReport' });
export const UsageQuery = z.object({
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  user: z.string().max(128).optional(),
  format: z.enum(['json', 'csv']).optional().meta({ description: 'json (default) or csv' }),
});

export const RequestLogEntry = z
  .object({
    requestId: z.string(),
    startedAt: ts,
    userId: z.string(),
    tokenId: z.string(),
    model: z.string().meta({ description: 'the model the client asked for' }),
    upstreamModel: z.string().meta({ description: 'the model sent upstream (differs through [models] aliases)' }),
    route: z.string(),
    stream: z.boolean(),
    status: z.number().int(),
    aborted: z.boolean().meta({ description: 'the client went away before the answer ended' }),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    cacheHitTokens: z.number().int(),
    cacheMissTokens: z.number().int(),
    reasoningTokens: z.number().int(),
    firstByteMs: z.number().nullable(),
    totalMs: z.number(),
    cost: z.string().meta({ description: 'exact decimal string in `currency`; "0" when the model had no price' }),
    currency: z.string().meta({ description: 'ISO 4217 code; "" when the model had no price' }),
    account: z.string().meta({ description: 'the upstream account that served it' }),
    attempts: z.number().int().meta({ description: 'upstream attempts (1 = no failover)' }),
    instance: z.string().meta({ description: 'the gateway host' }),
  })
  .loose()
  .meta({ id: 'RequestLogEntry', description: 'one ledger row (later releases may add fields)' });
export const RequestLogList = z.object({ rows: z.array(RequestLogEntry), nextCursor: z.string().nullable() }).meta({ id: 'RequestLogList' });
export const RequestLogQuery = z.object({
  user: z.string().max(128).optional(),
  token: z.string().max(128).optional(),
  model: z.string().max(200).optional(),
  route: z.string().max(200).optional().meta({ description: 'e.g. /v1/chat/completions or /anthropic/v1/messages' }),
  status: z
    .string()
    .regex(/^(2xx|4xx|5xx|aborted|[1-5]\d\d)$/)
    .optional()
    .meta({ description: '2xx, 4xx or 5xx (not counting aborted requests), aborted, or one status code such as 429' }),
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .meta({ description: 'first day, in [quota] timezone' }),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .meta({ description: 'last day, in [quota] timezone' }),
  limit: limitQuery,
  cursor: cursorQuery,
});

export const AuditEntry = z
  .object({ id: z.number().int(), at: ts, actor: z.string(), action: z.string(), target: z.string().nullable(), details: z.record(z.string(), z.unknown()) })
  .meta({ id: 'AuditEntry' });
export const AuditList = z.object({ rows: z.array(AuditEntry), nextCursor: z.string().nullable() }).meta({ id: 'AuditList' });
export const AuditQuery = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  limit: limitQuery,
  cursor: z.string().regex(/^\d+$/).optional().meta({ description: "the previous page's `nextCursor`" }),
});

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().meta({ description: 'a retry with the same key and body returns the first result' }),
});
