// Spans of the admin REST API (/api/v1) when `[tracing] otlp_endpoint` is set: one SERVER span per
// call, the caller's `traceparent` as its parent, so an automation's trace shows its admin calls.
// Off (the default), nothing is imported and the wrapper gets null.
import 'server-only';
import { getConfig } from './env';

import type { ApiSpan } from './api-span';

export type { ApiSpan } from './api-span';

type Begin = (headers: Headers, method: string, route: string) => ApiSpan;

const KEY = Symbol.for('dsp.admin.tracing');
type Holder = { [KEY]?: Promise<Begin> };

export async function apiSpan(headers: Headers, method: string, route: string): Promise<ApiSpan | null> {
  const c = getConfig().tracing;
  if (!c.otlp_endpoint) return null;
  const g = globalThis as Holder;
  g[KEY] ??= import('./otel').then((m) => m.createAdminTracing(c));
  return (await g[KEY])(headers, method, route);
}
