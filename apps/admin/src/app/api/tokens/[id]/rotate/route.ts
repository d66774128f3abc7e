// POST /api/tokens/:id/rotate {grace?, concurrency?, models?, expiresIn?} → a new JWT replacing the
// token (also how a token is edited); the old one revoked now or at the end of the grace period.
import { NextResponse } from 'next/server';
import { BadRequest, authed, jsonBody, noStore } from '@/server/api';
import { serializeToken } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const optional = <T>(v: unknown, check: (x: unknown) => x is T, what: string): T | undefined => {
  if (v === undefined) return undefined;
  if (!check(v)) throw new BadRequest(`${what}`);
  return v;
};
const isStringOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
const isNumberOrNull = (x: unknown): x is number | null => x === null || typeof x === 'number';
const isListOrNull = (x: unknown): x is string[] | null => x === null || (Array.isArray(x) && x.every((m) => typeof m === 'string'));

export const POST = authed<{ id: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  const r = await op.svc.tokens.rotate(params.id, {
    grace: optional(body.grace, isStringOrNull, 'grace must be a duration such as "1h", or null'),
    concurrency: optional(body.concurrency, isNumberOrNull, 'concurrency must be a number or null'),
    models: optional(body.models, isListOrNull, 'models must be a list of model names or null'),
    expiresIn: optional(body.expiresIn, isStringOrNull, 'expiresIn must be a duration such as "30d", "never", or null'),
  });
  return NextResponse.json({ token: r.token, record: serializeToken(r.record), replaced: serializeToken(r.replaced) }, { headers: noStore });
});
