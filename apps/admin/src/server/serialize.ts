// Service-layer records → the JSON shapes of lib/types.ts (the same fields, dates as ISO strings).
import 'server-only';
import type { AuditEntry, DailyUsageRow, RefusalRow, RequestLogRow, TokenRecord, User, UserSummary } from '@dsp/db';
import type { AuditDTO, DailyUsageDTO, RefusalDTO, RequestLogDTO, TokenDTO, UserDTO, UserSummaryDTO } from '../lib/types';

const iso = (d: Date | string): string => new Date(d).toISOString();
const isoOrNull = (d: Date | null): string | null => (d ? iso(d) : null);

export function serializeUser(u: User): UserDTO {
  return { ...u, labels: [...u.labels], deletedAt: u.deletedAt ? iso(u.deletedAt) : null, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt) };
}

export function serializeUserSummary(u: UserSummary): UserSummaryDTO {
  return { ...serializeUser(u), limits: { ...u.limits }, usage: u.usage ? { ...u.usage } : null };
}

export function serializeToken(t: TokenRecord): TokenDTO {
  return {
    ...t,
    models: t.models ? [...t.models] : null,
    expiresAt: isoOrNull(t.expiresAt),
    createdAt: iso(t.createdAt),
    revokedAt: isoOrNull(t.revokedAt),
    retireAt: isoOrNull(t.retireAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
  };
}

export function serializeDaily(r: DailyUsageRow): DailyUsageDTO {
  return { ...r };
}

export function serializeRequest(r: RequestLogRow): RequestLogDTO {
  return { ...r, startedAt: iso(r.startedAt) };
}

export function serializeAudit(a: AuditEntry): AuditDTO {
  return { ...a, at: iso(a.at), details: a.details ?? {} };
}

export function serializeRefusal(r: RefusalRow): RefusalDTO {
  return { ...r, lastAt: iso(r.lastAt) };
}
