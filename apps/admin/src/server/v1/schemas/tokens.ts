// The /tokens schemas: an API token (JWT) record, and the list, issue, rotate and patch bodies.
import { z } from 'zod';
import { ts, tsOrNull, limitQuery, cursorQuery, budgetValue, budgetOut } from './common';

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
