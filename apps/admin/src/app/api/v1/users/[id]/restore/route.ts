// POST /api/v1/users/{id}/restore → undoes a soft delete (the user stays disabled, its tokens revoked)
import { v1, noStore } from '@/server/v1/handler';
import { presentUser } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = v1(ROUTES.restoreUser, async ({ svc, params }) => Response.json(presentUser(await svc.users.restore(params.id)), { headers: noStore }));
