// Service-layer records → the JSON shapes of ./schemas.ts (exactly their fields, dates as ISO).
import 'server-only';
import type { AuditEntry, TokenRecord, User } from '@dsp/db';
import type { z } from 'zod';
import type * as s from './schemas';

const iso = (d: Date | string): string => new Date(d).toISOString();
const isoOrNull = (d: Date | null): string | null => (d ? iso(d) : null);

export const presentUser = (u: User): z.infer<typeof s.User> => ({
  id: u.id,
  name: u.name,
  status: u.status,
  dailyRequests: u.dailyRequests,
  dailyTokens: u.dailyTokens,
  monthlyTokens: u.monthlyTokens,
  dailyBudget: u.dailyBudget,
  monthlyBudget: u.monthlyBudget,
  notes: u.notes,
  labels: [...u.labels],
  deletedAt: isoOrNull(u.deletedAt),
  createdAt: iso(u.createdAt),
  updatedAt: iso(u.updatedAt),
});

export const presentToken = (t: TokenRecord): z.infer<typeof s.Token> => ({
  id: t.id,
  userId: t.userId,
  name: t.name,
  hint: t.hint,
  concurrency: t.concurrency,
  models: t.models ? [...t.models] : null,
  expiresAt: isoOrNull(t.expiresAt),
  createdAt: iso(t.createdAt),
  revokedAt: isoOrNull(t.revokedAt),
  retireAt: isoOrNull(t.retireAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  status: t.status,
  dailyBudget: t.dailyBudget,
  monthlyBudget: t.monthlyBudget,
});

export const presentAudit = (a: AuditEntry): z.infer<typeof s.AuditEntry> => ({
  id: a.id,
  at: iso(a.at),
  actor: a.actor,
  action: a.action,
  target: a.target,
  details: a.details ?? {},
});
