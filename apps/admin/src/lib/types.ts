// The plain JSON shapes the server hands to the browser components (dates as ISO strings).

export interface Limits {
  dailyRequests: number;
  dailyTokens: number;
  monthlyTokens: number;
}

export interface UserDTO {
  id: string;
  name: string | null;
  status: 'active' | 'disabled';
  dailyRequests: number | null;
  dailyTokens: number | null;
  monthlyTokens: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserSummaryDTO extends UserDTO {
  limits: Limits;
  usage: {
    day: string;
    month: string;
    dailyRequests: number;
    dailyTokens: number;
    monthlyRequests: number;
    monthlyTokens: number;
  } | null;
}

export interface TokenDTO {
  id: string;
  userId: string;
  name: string;
  hint: string;
  concurrency: number | null;
  models: string[] | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'revoked' | 'expired';
}

export interface UsageTotalsDTO {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheHitTokens: number;
  cacheMissTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  errors: number;
  aborted: number;
}

export interface DailyUsageDTO extends UsageTotalsDTO {
  day: string;
  userId: string;
  model: string;
}

export interface RequestLogDTO {
  requestId: string;
  tokenId: string;
  userId: string;
  model: string;
  route: string;
  stream: boolean;
  status: number;
  promptTokens: number;
  completionTokens: number;
  cacheHitTokens: number;
  reasoningTokens: number;
  firstByteMs: number | null;
  totalMs: number;
  startedAt: string;
  aborted: boolean;
  instance: string;
}

export interface AuditDTO {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}
