// Every route of the admin REST API in one table: method, path, who may call it, what it takes and
// what it answers. The handlers validate with these schemas and the OpenAPI document is built from
// the same table, so neither can drift from the other.
import type { Access } from '@dsp/db';
import type { z } from 'zod';
import * as s from './schemas';

export interface Reply {
  description: string;
  /** JSON body schema; absent for a CSV answer */
  schema?: z.ZodType;
  csv?: boolean;
}

export interface RouteDef {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form, under /api/v1 */
  path: string;
  summary: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** the body may be left out (every field of `body` is optional) */
  optionalBody?: boolean;
  /** accepts Idempotency-Key */
  idempotent?: boolean;
  responses: Record<number, Reply>;
}

const json = (description: string, schema: z.ZodType): Reply => ({ description, schema });

export const ROUTES = {
  listUsers: {
    method: 'get',
    path: '/users',
    summary: 'List users (cursor pagination by id)',
    access: 'read',
    query: s.UserListQuery,
    responses: { 200: json('a page of users', s.UserList) },
  },
  createUser: {
    method: 'post',
    path: '/users',
    summary: 'Create a user',
    access: 'write',
    body: s.UserCreate,
    idempotent: true,
    responses: { 201: json('the new user', s.User), 200: json('the user made by an earlier request with this Idempotency-Key', s.User) },
  },
  deleteUser: {
    method: 'delete',
    path: '/users/{id}',
    summary: 'Soft-delete a user: disabled, every live token revoked, out of the lists; the ledger keeps its rows',
    access: 'write',
    params: s.UserIdParams,
    responses: { 200: json('the deleted user', s.User) },
  },
  restoreUser: {
    method: 'post',
    path: '/users/{id}/restore',
    summary: 'Undo a delete; the user stays disabled and its tokens revoked',
    access: 'write',
    params: s.UserIdParams,
    responses: { 200: json('the restored user', s.User) },
  },
  getUser: {
    method: 'get',
    path: '/users/{id}',
    summary: 'Get a user',
    access: 'read',
    params: s.UserIdParams,
    responses: { 200: json('the user', s.User) },
  },
  updateUser: {
    method: 'patch',
    path: '/users/{id}',
    summary: 'Enable or disable a user, set its quotas (null = the configured default), budgets (null = none), name, notes and labels',
    access: 'write',
    params: s.UserIdParams,
    body: s.UserPatch,
    responses: { 200: json('the user after the change', s.User) },
  },
  listTokens: {
    method: 'get',
    path: '/tokens',
    summary: 'List tokens (never their JWTs), by user and status',
    access: 'read',
    query: s.TokenListQuery,
    responses: { 200: json('a page of tokens', s.TokenList) },
  },
  issueToken: {
    method: 'post',
    path: '/tokens',
    summary: 'Issue a token: the JWT is in this response only',
    access: 'write',
    body: s.TokenIssue,
    idempotent: true,
    responses: {
      201: json('the JWT and its record', s.IssuedToken),
      200: json('a retry with the same Idempotency-Key: a JWT for the same token (same id, claims and expiry)', s.IssuedToken),
    },
  },
  updateToken: {
    method: 'patch',
    path: '/tokens/{id}',
    summary: "Set a token's budgets (null = none)",
    access: 'write',
    params: s.TokenIdParams,
    body: s.TokenPatch,
    responses: { 200: json('the token after the change', s.Token) },
  },
  revokeToken: {
    method: 'post',
    path: '/tokens/{id}/revoke',
    summary: 'Revoke a token (refused by the gateway from its next request)',
    access: 'write',
    params: s.TokenIdParams,
    responses: { 200: json('the revoked token', s.Token) },
  },
  rotateToken: {
    method: 'post',
    path: '/tokens/{id}/rotate',
    summary:
      'Replace a token with a new one of the same user and name; its claims and lifetime as before unless the body changes them (how a token is edited). The old one is revoked at once, or at the end of `grace`',
    access: 'write',
    params: s.TokenIdParams,
    body: s.TokenRotate,
    optionalBody: true,
    idempotent: true,
    responses: { 201: json('the new JWT, its record and the replaced token', s.RotatedToken) },
  },
  usage: {
    method: 'get',
    path: '/usage',
    summary: 'Daily usage per user and model from the ledger (JSON, or CSV with format=csv)',
    access: 'read',
    query: s.UsageQuery,
    responses: { 200: { description: 'the days of the range (JSON: UsageReport; CSV: one line per row)', schema: s.UsageReport, csv: true } },
  },
  requests: {
    method: 'get',
    path: '/requests',
    summary: 'The request log (one ledger row per request), newest first, filtered by user, token, model, route, status and days',
    access: 'read',
    query: s.RequestLogQuery,
    responses: { 200: json('a page of the request log', s.RequestLogList) },
  },
  audit: {
    method: 'get',
    path: '/audit',
    summary: 'The audit log, newest first (every API call is in it, as apikey:<name>)',
    access: 'read',
    query: s.AuditQuery,
    responses: { 200: json('a page of the audit log', s.AuditList) },
  },
} as const satisfies Record<string, RouteDef>;
