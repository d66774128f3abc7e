// The OpenAPI 3.1 document of /api/v1, generated from the route table and its zod schemas.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ROUTES, type RouteDef } from './routes';
import { ErrorBody, IdempotencyHeaders } from './schemas';

const ERRORS: Record<number, string> = {
  400: 'invalid_request: a parameter or the body is wrong (the message says which)',
  401: 'invalid_api_key: no, an unknown or a revoked API key',
  403: 'forbidden: the key has the viewer role, which is read-only',
  404: 'not_found',
  409: 'duplicate / conflict / idempotency_in_progress',
  422: 'idempotency_key_reused: the Idempotency-Key was used with another request',
  503: 'service_unavailable / not_configured',
};

function responses(r: RouteDef) {
  const out: Record<string, unknown> = {};
  for (const [status, reply] of Object.entries(r.responses)) {
    const content: Record<string, unknown> = {};
    if (reply.schema) content['application/json'] = { schema: reply.schema };
    if (reply.csv) content['text/csv'] = { schema: { type: 'string' } };
    out[status] = { description: reply.description, content };
  }
  const codes = [400, 401, 404, 503, ...(r.access === 'write' ? [403, 409] : []), ...(r.idempotent ? [422] : [])];
  for (const code of codes) out[code] = { description: ERRORS[code]!, content: { 'application/json': { schema: ErrorBody } } };
  return out;
}

let cached: unknown;

export function openApiDocument(): unknown {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'an admin API key from `dsp admin key create --role admin|viewer --name NAME`',
  });
  for (const [operationId, r] of Object.entries(ROUTES) as [string, RouteDef][]) {
    registry.registerPath({
      operationId,
      method: r.method,
      path: `/api/v1${r.path}`,
      summary: r.summary,
      security: [{ [bearer.name]: [] }],
      request: {
        ...(r.params ? { params: r.params } : {}),
        ...(r.query ? { query: r.query } : {}),
        ...(r.idempotent ? { headers: IdempotencyHeaders } : {}),
        ...(r.body ? { body: { required: !r.optionalBody, content: { 'application/json': { schema: r.body } } } } : {}),
      },
      responses: responses(r) as never,
    });
  }
  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'deepseek-proxy admin API',
      version: '1',
      description: 'Users, tokens, quotas, usage and the audit log of a deepseek-proxy installation. Errors: {"error":{"message","type","code"}}.',
    },
    servers: [{ url: '/' }],
  });
  return cached;
}
