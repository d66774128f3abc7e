// What every resource's schemas share: timestamps, paging, quota and budget values, the error body
// and the idempotency header. zod is extended for OpenAPI here, before any schema is made.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const ts = z.string().meta({ format: 'date-time' });
export const tsOrNull = ts.nullable();
export const limitQuery = z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'page size (default 50, at most 1000)' });
export const cursorQuery = z.string().min(1).max(256).optional().meta({ description: "the previous page's `nextCursor`" });
/** an explicit limit (a number >= 0; 0 blocks), "unlimited", or null for the configured default */
export const quotaValue = z.union([z.number().int(), z.literal('unlimited')]).nullable();
/** a budget in [quota] budget_currency: an exact decimal string (no binary float), or null for none */
export const budgetValue = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,9})?$/, 'a budget is a decimal string >= 0 with at most 9 decimal places, e.g. "5" or "12.50" (null: no budget)')
  .nullable()
  .meta({ description: 'spend per period in [quota] budget_currency, an exact decimal string; 0 blocks every request; null = no budget' });
export const budgetOut = z.string().nullable().meta({ description: 'in [quota] budget_currency, an exact decimal string; null = no budget' });

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
/** A day (YYYY-MM-DD) in [quota] timezone. */
export const dayQuery = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional();

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().meta({ description: 'a retry with the same key and body returns the first result' }),
});
