// Service-layer records → the JSON shapes of lib/types.ts.
import 'server-only';
import type { AuditEntry, DailyUsageRow, RequestLogRow, TokenRecord, User, UserSummary } from '@dsp/db';
import type { AuditDTO, DailyUsageDTO, RequestLogDTO, TokenDTO, UserDTO, UserSummaryDTO } from '../lib/types';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function serializeUser(u: User): UserDTO {
  return {
    id: u.id,
    name: u.name,
    status: u.status,
    dailyRequests: u.dailyRequests,
    dailyTokens: u.dailyTokens,
    monthlyTokens: u.monthlyTokens,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

export function serializeUserSummary(u: UserSummary): UserSummaryDTO {
  return { ...serializeUser(u), limits: { ...u.limits }, usage: u.usage ? { ...u.usage } : null };
}

export function serializeToken(t: TokenRecord): TokenDTO {
  return {
    id: t.id,
    userId: t.userId,
    name: t.name,
    hint: t.hint,
    concurrency: t.concurrency,
    models: t.models ? [...t.models] : null,
    expiresAt: iso(t.expiresAt),
    createdAt: t.createdAt.toISOString(),
    revokedAt: iso(t.revokedAt),
    lastUsedAt: iso(t.lastUsedAt),
    status: t.status,
  };
}

export function serializeDaily(r: DailyUsageRow): DailyUsageDTO {
  return { ...r };
}

export function serializeRequest(r: RequestLogRow): RequestLogDTO {
  return {
    requestId: r.requestId,
    tokenId: r.tokenId,
    userId: r.userId,
    model: r.model,
    route: r.route,
    stream: r.stream,
    status: r.status,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    cacheHitTokens: r.cacheHitTokens,
    reasoningTokens: r.reasoningTokens,
    firstByteMs: r.firstByteMs,
    totalMs: r.totalMs,
    startedAt: new Date(r.startedAt).toISOString(),
    aborted: r.aborted,
    instance: r.instance,
  };
}

export function serializeAudit(a: AuditEntry): AuditDTO {
  return { id: a.id, at: new Date(a.at).toISOString(), actor: a.actor, action: a.action, target: a.target, details: a.details ?? {} };
}
