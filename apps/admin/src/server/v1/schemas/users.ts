// The /users schemas: a gateway user with its quotas, budgets and profile, and the list, create and patch bodies.
import { z } from 'zod';
import { ts, tsOrNull, limitQuery, cursorQuery, quotaValue, budgetValue, budgetOut } from './common';

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
