// POST /api/accounts/:name/status {status: "active" | "disabled"} → puts the account back into
// rotation or takes it out, on every gateway host at once (audited).
import { NextResponse } from 'next/server';
import { BadRequest, authed, jsonBody, noStore } from '@/server/api';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ name: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  let account;
  if (body.status === 'disabled') account = await op.svc.accounts.disable(params.name);
  else if (body.status === 'active') account = await op.svc.accounts.enable(params.name);
  else throw new BadRequest('status must be "active" or "disabled"');
  return NextResponse.json({ account: { name: account.name, disabled: account.disabled } }, { headers: noStore });
});
