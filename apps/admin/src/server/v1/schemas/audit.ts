// The /audit schemas: the operators' audit log.
import { z } from 'zod';
import { ts, limitQuery } from './common';

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
