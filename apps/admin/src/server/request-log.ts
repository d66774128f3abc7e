// The request log's filters as they arrive in a query string (the console page, its API route and
// the CSV export read the same names): empty values mean "any".
import 'server-only';
import type { RequestLogOptions } from '@dsp/db';

export const REQUEST_LOG_PARAMS = ['user', 'token', 'model', 'route', 'status', 'from', 'to'] as const;
export type RequestLogParam = (typeof REQUEST_LOG_PARAMS)[number];

export function requestLogFilters(q: { get(name: string): string | null }): Omit<RequestLogOptions, 'before' | 'limit'> {
  const v = (name: RequestLogParam) => q.get(name) || undefined;
  return { userId: v('user'), tokenId: v('token'), model: v('model'), route: v('route'), status: v('status'), from: v('from'), to: v('to') };
}
