// The /usage schemas: daily totals of the ledger, and the request log (one ledger row per request).
import { z } from 'zod';
import { ts, limitQuery, cursorQuery, dayQuery } from './common';

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
  from: dayQuery,
  to: dayQuery,
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
  from: dayQuery.meta({ description: 'first day, in [quota] timezone' }),
  to: dayQuery.meta({ description: 'last day, in [quota] timezone' }),
  limit: limitQuery,
  cursor: cursorQuery,
});
