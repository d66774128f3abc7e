// The zod schemas of the admin REST API (/api/v1): they validate every request and, through
// @asteasolutions/zod-to-openapi, are the OpenAPI document. Responses are described here too, and
// the API test validates real responses against that document. One module per resource.
export * from './audit';
export { ErrorBody, IdempotencyHeaders } from './common';
export * from './tokens';
export * from './usage';
export * from './users';
