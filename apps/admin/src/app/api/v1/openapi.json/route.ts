// GET /api/v1/openapi.json → the OpenAPI 3.1 document of the admin API (public: it holds no data).
import { openApiDocument } from '@/server/v1/openapi';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(): Response {
  return Response.json(openApiDocument(), { headers: { 'Cache-Control': 'no-cache' } });
}
