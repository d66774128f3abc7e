// GET /api/audit?before=&actor=&action=&target=&limit= → a page of the audit log.
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { serializeAudit } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ req, op }) => {
  const q = req.nextUrl.searchParams;
  const res = await op.svc.audit.list({
    before: q.get('before') ? Number(q.get('before')) : undefined,
    actor: q.get('actor') || undefined,
    action: q.get('action') || undefined,
    target: q.get('target') || undefined,
    limit: q.get('limit') ? Number(q.get('limit')) : 50,
  });
  return NextResponse.json({ rows: res.rows.map(serializeAudit), nextBefore: res.nextBefore }, { headers: noStore });
});
