// GET /api/v1/audit?actor=&action=&target=&limit=&cursor= → the audit log, newest first
import { v1, noStore } from '@/server/v1/handler';
import { presentAudit } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = v1(ROUTES.audit, async ({ svc, query }) => {
  const page = await svc.audit.list({
    actor: query.actor,
    action: query.action,
    target: query.target,
    limit: query.limit,
    before: query.cursor ? Number(query.cursor) : undefined,
  });
  return Response.json({ rows: page.rows.map(presentAudit), nextCursor: page.nextBefore === null ? null : String(page.nextBefore) }, { headers: noStore });
});
