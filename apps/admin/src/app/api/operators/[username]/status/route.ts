// POST /api/operators/:username/status {status: "active" | "disabled"} (admin role required;
// disabling ends the operator's sessions; the last active admin cannot be disabled).
import { NextResponse } from 'next/server';
import { BadRequest, authed, jsonBody, noStore } from '@/server/api';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ username: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  if (body.status !== 'active' && body.status !== 'disabled') throw new BadRequest('status must be "active" or "disabled"');
  if (body.status === 'disabled' && params.username === op.username) throw new BadRequest('you cannot disable yourself');
  const a = body.status === 'disabled' ? await op.svc.admins.disable(params.username) : await op.svc.admins.enable(params.username);
  return NextResponse.json({ operator: { username: a.username, disabled: a.disabledAt !== null } }, { headers: noStore });
});
