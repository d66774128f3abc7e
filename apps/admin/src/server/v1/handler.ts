// The wrapper of every /api/v1 route handler: API-key authentication, the role check, request
// validation with the route's zod schemas, one error shape ({"error":{"message","type","code"}}),
// and an audit entry per call naming the key. Handlers only call the service layer.
import 'server-only';
import type { NextRequest } from 'next/server';
import { z } from 'zod';
import type { ApiKey, Services } from '@dsp/db';
import { services } from '../context';
import { loadDb } from '../dsp';
import { apiSpan } from '../tracing';
import type { RouteDef } from './routes';

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  422: 'invalid_request_error',
  500: 'api_error',
  503: 'api_error',
};

const SERVICE_CODES: Record<string, [number, string]> = {
  not_found: [404, 'not_found'],
  duplicate: [409, 'duplicate'],
  invalid_argument: [400, 'invalid_request'],
  conflict: [409, 'conflict'],
  unauthorized: [403, 'forbidden'],
  forbidden: [403, 'forbidden'],
  not_configured: [503, 'not_configured'],
  redis_unavailable: [503, 'service_unavailable'],
  // finer reasons
  idempotency_key_reused: [422, 'idempotency_key_reused'],
  idempotency_in_progress: [409, 'idempotency_in_progress'],
  invalid_idempotency_key: [400, 'invalid_request'],
};

export function apiError(status: number, code: string, message: string): Response {
  return Response.json({ error: { message, type: TYPES[status] ?? 'api_error', code } }, { status, headers: { 'Cache-Control': 'no-store' } });
}

class Invalid extends Error {}

export interface Call<R extends RouteDef> {
  req: NextRequest;
  key: ApiKey;
  /** the service layer acting as `apikey:<name>` */
  svc: Services;
  params: R['params'] extends z.ZodType ? z.infer<R['params']> : Record<string, never>;
  query: R['query'] extends z.ZodType ? z.infer<R['query']> : Record<string, never>;
  body: R['body'] extends z.ZodType ? z.infer<R['body']> : undefined;
  /** runs `create` once per Idempotency-Key (when the request has one), else just runs it */
  once<T>(create: () => Promise<{ resource: string; value: T }>, replay: (resource: string) => Promise<T>): Promise<{ value: T; replayed: boolean }>;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return {} as T;
  const r = schema.safeParse(value);
  if (!r.success) throw new Invalid(`invalid ${where}: ${z.prettifyError(r.error).replace(/\n+/g, '; ')}`);
  return r.data;
}

async function readBody(req: NextRequest, route: RouteDef): Promise<{ raw: string; value: unknown }> {
  if (!route.body) return { raw: '', value: undefined };
  // an optional body may be left out entirely (the route's defaults apply)
  if (route.optionalBody && req.headers.get('content-length') === '0') return { raw: '', value: {} };
  if (!(req.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) throw new Invalid('expected an application/json body');
  const raw = await req.text();
  if (route.optionalBody && raw.trim() === '') return { raw, value: {} };
  try {
    return { raw, value: JSON.parse(raw) };
  } catch {
    throw new Invalid('the body is not valid JSON');
  }
}

async function toError(e: unknown): Promise<Response> {
  if (e instanceof Invalid) return apiError(400, 'invalid_request', e.message);
  const { isServiceError } = await loadDb();
  if (isServiceError(e)) {
    const [status, code] = SERVICE_CODES[e.reason ?? ''] ?? SERVICE_CODES[e.code] ?? [500, 'internal_error'];
    return apiError(status, code, e.message);
  }
  console.error('[admin] api/v1 handler failed:', e);
  return apiError(500, 'internal_error', 'internal error');
}

export function v1<R extends RouteDef>(route: R, fn: (call: Call<R>) => Promise<Response>) {
  return async (req: NextRequest, ctx: { params: Promise<unknown> }): Promise<Response> => {
    const span = await apiSpan(req.headers, req.method, `/api/v1${route.path}`);
    const seen: { keyName: string | null } = { keyName: null };
    const res = await call(route, fn, req, ctx, seen);
    span?.end(res.status, seen.keyName);
    return res;
  };
}

async function call<R extends RouteDef>(
  route: R,
  fn: (call: Call<R>) => Promise<Response>,
  req: NextRequest,
  ctx: { params: Promise<unknown> },
  seen: { keyName: string | null },
): Promise<Response> {
  const what = `${req.method} ${req.nextUrl.pathname}`;
  let op: Services | undefined;
  let res: Response;
  try {
    const auth = req.headers.get('authorization') ?? '';
    const secret = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    const root = await services();
    const key = secret ? await root.apiKeys.authenticate(secret) : null;
    if (!key) return apiError(401, 'invalid_api_key', secret ? 'unknown or revoked API key' : 'send an admin API key as "Authorization: Bearer <key>"');
    seen.keyName = key.name;
    op = root.withActor(`apikey:${key.name}`);
    const { assertAllows } = await loadDb();
    assertAllows(key.role, route.access, `API key "${key.name}"`);
    const params = parse(route.params, await ctx.params, 'path');
    const query = parse(route.query, Object.fromEntries(req.nextUrl.searchParams), 'query');
    const { raw, value } = await readBody(req, route);
    const body = parse(route.body, value, 'body');
    const idemKey = route.idempotent ? req.headers.get('idempotency-key') : null;
    const svc = op;
    res = await fn({
      req,
      key,
      svc,
      params: params as Call<R>['params'],
      query: query as Call<R>['query'],
      body: body as Call<R>['body'],
      once: (create, replay) =>
        idemKey === null
          ? create().then((m) => ({ value: m.value, replayed: false }))
          : svc.idempotency.once({ principal: key.id, key: idemKey, request: `${what}\n${raw}` }, create, replay),
    });
  } catch (e) {
    res = await toError(e);
  }
  // every authenticated call is audited with the key's name (a failed write does not hide the answer)
  await op?.audit.record('api.call', what, { status: res.status }).catch((e: unknown) => console.error('[admin] api/v1 audit failed:', e));
  return res;
}

export const noStore = { 'Cache-Control': 'no-store' };
