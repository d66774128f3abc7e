// The wrapper every route handler is built with: the cross-site check on state-changing methods,
// the session check, the role check (a viewer only reads), and one mapping of service errors to
// HTTP statuses.
import 'server-only';
import { NextResponse, type NextRequest } from 'next/server';
import type { Access, ServiceErrorCode } from '@dsp/db';
import { SESSION_COOKIE } from '../lib/constants';
import { isSameOrigin, needsOriginCheck } from '../lib/origin';
import { operatorFromCookie, type Operator } from './auth';
import { loadDb } from './dsp';

const STATUS: Record<ServiceErrorCode, number> = {
  not_found: 404,
  duplicate: 409,
  invalid_argument: 400,
  conflict: 409,
  unauthorized: 403,
  forbidden: 403,
  not_configured: 503,
  redis_unavailable: 503,
};

export function apiError(status: number, code: string, message: string, headers?: HeadersInit): NextResponse {
  return NextResponse.json({ error: { code, message } }, { status, headers });
}

export interface HandlerArgs<P> {
  req: NextRequest;
  params: P;
  op: Operator;
}

type Ctx<P> = { params: Promise<P> };

async function toResponse(e: unknown): Promise<NextResponse> {
  const isServiceError = await loadDb().then(
    (m) => m.isServiceError,
    () => () => false,
  );
  if (isServiceError(e)) return apiError(STATUS[e.code] ?? 500, e.code, e.message);
  if (e instanceof BadRequest) return apiError(400, 'invalid_argument', e.message);
  console.error('[admin] handler failed:', e);
  return apiError(500, 'internal', 'internal error');
}

export class BadRequest extends Error {}

/** Rejects cross-site state-changing requests (403). */
function crossSite(req: NextRequest): NextResponse | null {
  if (needsOriginCheck(req.method) && !isSameOrigin(req.headers)) return apiError(403, 'cross_site', 'cross-site request refused');
  return null;
}

/** What a request needs by default: reading for GET/HEAD/OPTIONS, writing for anything else. */
export function accessFor(method: string): Access {
  return needsOriginCheck(method) ? 'write' : 'read';
}

/**
 * A handler that needs a signed-in operator (401 without one) whose role grants `access`
 * (403 `forbidden` otherwise). `access` defaults to what the method implies; a handler that changes
 * nothing but the caller's own session (sign-out) passes `read`.
 */
export function authed<P = Record<string, never>>(fn: (a: HandlerArgs<P>) => Promise<Response>, options: { access?: Access } = {}) {
  return async (req: NextRequest, ctx: Ctx<P>): Promise<Response> => {
    const refused = crossSite(req);
    if (refused) return refused;
    try {
      const op = await operatorFromCookie(req.cookies.get(SESSION_COOKIE)?.value);
      if (!op) return apiError(401, 'unauthenticated', 'sign in first');
      const { assertAllows } = await loadDb();
      assertAllows(op.role, options.access ?? accessFor(req.method), `operator "${op.username}"`);
      return await fn({ req, params: await ctx.params, op });
    } catch (e) {
      return toResponse(e);
    }
  };
}

/** A handler reachable without a session (sign-in): still refuses cross-site requests. */
export function open(fn: (req: NextRequest) => Promise<Response>) {
  return async (req: NextRequest): Promise<Response> => {
    const refused = crossSite(req);
    if (refused) return refused;
    try {
      return await fn(req);
    } catch (e) {
      return toResponse(e);
    }
  };
}

/** The JSON object body of a request, or a 400. */
export async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) throw new BadRequest('expected an application/json body');
  let v: unknown;
  try {
    v = await req.json();
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest('the body must be a JSON object');
  return v as Record<string, unknown>;
}

export const noStore = { 'Cache-Control': 'no-store' };
