// The usage reports' public types: totals, day ranges, report and request-log rows and options.

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheHitTokens: number;
  cacheMissTokens: number;
  reasoningTokens: number;
  /** prompt + completion (what the token quotas count) */
  totalTokens: number;
  /** requests answered with status >= 400 */
  errors: number;
  aborted: number;
  /** what the requests cost, per currency (exact decimal strings, e.g. { CNY: "1.25" }) */
  cost: Record<string, string>;
  /** requests whose model had no price (they cost nothing) */
  unpriced: number;
}

export interface DayRange {
  /** YYYY-MM-DD, inclusive; default: 29 days before `to` */
  from?: string;
  /** YYYY-MM-DD, inclusive; default: today */
  to?: string;
}

export interface UserUsageReport {
  userId: string;
  from: string;
  to: string;
  timezone: string;
  totals: UsageTotals;
  byDay: (UsageTotals & { day: string })[];
  byModel: (UsageTotals & { model: string })[];
}

/** One day × user × model × currency; `currency` "" = the model had no price. */
export interface DailyUsageRow extends UsageTotals {
  day: string;
  userId: string;
  model: string;
  currency: string;
  /** the cost in `currency`, an exact decimal string ("0" without a price) */
  amount: string;
}

export interface RequestLogRow {
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
  cacheMissTokens: number;
  reasoningTokens: number;
  firstByteMs: number | null;
  totalMs: number;
  startedAt: Date;
  aborted: boolean;
  instance: string;
  /** exact decimal string; "0" with currency "" when the model had no price */
  cost: string;
  currency: string;
  /** the model name sent upstream (differs from `model` through [models] aliases) */
  upstreamModel: string;
  /** the upstream account that served it ('' before accounts existed) */
  account: string;
  /** upstream attempts (1 = no failover) */
  attempts: number;
}

/** Status filters of the request log: a class, requests the client abandoned, or one exact code. */
export const STATUS_FILTERS = ['2xx', '4xx', '5xx', 'aborted'] as const;

export interface RequestLogOptions extends DayRange {
  userId?: string;
  tokenId?: string;
  /** the model the client asked for (exact) */
  model?: string;
  /** the gateway route, e.g. /v1/chat/completions (exact) */
  route?: string;
  /** 2xx, 4xx, 5xx, aborted, or a status code such as "429" */
  status?: string;
  /** default 50, at most 1000 */
  limit?: number;
  /** the previous page's nextCursor */
  before?: string;
}

export const REPORT_GROUPS = ['day', 'user', 'model', 'token'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

/** One key (a day, user, model or token) × currency of a report; `currency` "" = no price. */
export interface ReportRow extends UsageTotals {
  key: string;
  currency: string;
  /** the cost in `currency`, an exact decimal string */
  amount: string;
}

export interface ReportOptions extends DayRange {
  userId?: string;
  groupBy?: ReportGroup;
}

export interface UsageService {
  /** the ledger grouped by day, user, model or token, one row per key and currency */
  report(options: ReportOptions): Promise<{ from: string; to: string; timezone: string; groupBy: ReportGroup; rows: ReportRow[] }>;
  /** report() as CSV: key column named after the group, then the counts, amount and currency */
  reportCsv(options: ReportOptions): Promise<string>;
  forUser(userId: string, range?: DayRange): Promise<UserUsageReport>;
  daily(options: DayRange & { userId?: string }): Promise<{ from: string; to: string; timezone: string; rows: DailyUsageRow[] }>;
  requests(options?: RequestLogOptions): Promise<{ rows: RequestLogRow[]; nextCursor: string | null }>;
  /** daily() as CSV (header: day,userId,model,requests,promptTokens,…) */
  dailyCsv(options: DayRange & { userId?: string }): Promise<string>;
  /** one page of requests() as CSV */
  requestsCsv(options?: RequestLogOptions): Promise<string>;
}
