// Single sign-on to the console with OpenID Connect (authorization code + PKCE), by openid-client.
// The browser carries the flow's one-time values (state, nonce, PKCE verifier, where to go next)
// in a short-lived HttpOnly cookie scoped to /api/auth/oidc: each is a fresh random secret that the
// provider or the token endpoint checks, so nothing in it needs to be kept on the server.
// What the provider says (ID token claims, merged over userinfo) is mapped to a role here:
// `admin_group` → admin, `viewer_group` → viewer, neither → refused; domains outside
// `allowed_domains` are refused too. Every refusal has a code the sign-in page explains.
import 'server-only';
import * as client from 'openid-client';
import type { AdminRole } from '@dsp/db';
import { getConfig } from './env';

export const FLOW_COOKIE = 'dsp_oidc_flow';
export const FLOW_COOKIE_PATH = '/api/auth/oidc';
export const FLOW_TTL_SECONDS = 600;
export const CALLBACK_PATH = '/api/auth/oidc/callback';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  allowedDomains: string[];
  groupsClaim: string;
  adminGroup: string;
  viewerGroup: string;
  publicUrl: string;
}

/** The [admin.oidc] settings when single sign-on is on, else null. */
export function oidcSettings(): OidcSettings | null {
  const c = getConfig().admin;
  if (!c.oidc.issuer) return null;
  return {
    issuer: c.oidc.issuer,
    clientId: c.oidc.client_id,
    clientSecret: c.oidc.client_secret,
    scopes: [...c.oidc.scopes],
    allowedDomains: c.oidc.allowed_domains.map((d) => d.toLowerCase()),
    groupsClaim: c.oidc.groups_claim,
    adminGroup: c.oidc.admin_group,
    viewerGroup: c.oidc.viewer_group,
    publicUrl: c.public_url.replace(/\/+$/, ''),
  };
}

export function localPasswordsAllowed(): boolean {
  return getConfig().admin.local_passwords;
}

const KEY = Symbol.for('dsp.admin.oidc');
type Holder = { [KEY]?: Promise<client.Configuration> };

/** The provider's configuration (discovery), fetched once; a failed fetch is retried next time. */
export function providerConfig(s: OidcSettings): Promise<client.Configuration> {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const insecure = new URL(s.issuer).protocol === 'http:'; // loopback only (checked by the config)
    const p = client.discovery(new URL(s.issuer), s.clientId, undefined, s.clientSecret ? client.ClientSecretPost(s.clientSecret) : client.None(), {
      timeout: 10,
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    g[KEY] = p;
    p.catch(() => {
      if (g[KEY] === p) delete g[KEY];
    });
  }
  return g[KEY];
}

export interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

export function encodeFlow(f: Flow): string {
  return Buffer.from(JSON.stringify(f)).toString('base64url');
}

export function decodeFlow(v: string | undefined): Flow | null {
  if (!v || v.length > 2048) return null;
  try {
    const f = JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as Partial<Flow>;
    if (typeof f.state !== 'string' || typeof f.nonce !== 'string' || typeof f.verifier !== 'string' || typeof f.next !== 'string') return null;
    return f as Flow;
  } catch {
    return null;
  }
}

export async function authorizationUrl(s: OidcSettings, next: string): Promise<{ url: URL; flow: Flow }> {
  const config = await providerConfig(s);
  const flow: Flow = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), next };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: s.publicUrl + CALLBACK_PATH,
    scope: s.scopes.join(' '),
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
    state: flow.state,
    nonce: flow.nonce,
  });
  return { url, flow };
}

export type Claims = Record<string, unknown>;

/** Redeems the code of the callback (checks state, nonce, PKCE and the ID token); the merged claims. */
export async function redeem(s: OidcSettings, callbackSearch: string, flow: Flow): Promise<{ claims: Claims; idToken: string | null }> {
  const config = await providerConfig(s);
  // the URL the provider sent the browser to, as it was registered (the console may sit behind a proxy)
  const current = new URL(s.publicUrl + CALLBACK_PATH + callbackSearch);
  const tokens = await client.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
  const idClaims = (tokens.claims() ?? {}) as Claims;
  let info: Claims = {};
  // providers often release email and groups through userinfo only; the ID token's values win
  if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
    info = (await client.fetchUserInfo(config, tokens.access_token, String(idClaims.sub))) as Claims;
  }
  return { claims: { ...info, ...idClaims }, idToken: tokens.id_token ?? null };
}

export type Denial = 'no_email' | 'email_unverified' | 'domain' | 'no_group' | 'bad_username';

export type Mapping =
  | { ok: true; username: string; email: string | null; role: AdminRole; groups: string[] }
  | { ok: false; reason: Denial; email: string | null; groups: string[] };

function claimAt(claims: Claims, path: string): unknown {
  if (path in claims) return claims[path];
  let v: unknown = claims;
  for (const part of path.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export function groupsOf(claims: Claims, claim: string): string[] {
  const v = claimAt(claims, claim);
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** The console role of the claims, or why they are refused. */
export function mapClaims(s: OidcSettings, claims: Claims): Mapping {
  const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email.toLowerCase() : null;
  const groups = groupsOf(claims, s.groupsClaim);
  if (s.allowedDomains.length > 0) {
    if (!email) return { ok: false, reason: 'no_email', email, groups };
    if (claims.email_verified === false || claims.email_verified === 'false') return { ok: false, reason: 'email_unverified', email, groups };
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!s.allowedDomains.includes(domain)) return { ok: false, reason: 'domain', email, groups };
  }
  const member = (g: string) => g !== '' && (g === '*' || groups.includes(g));
  const role: AdminRole | null = member(s.adminGroup) ? 'admin' : member(s.viewerGroup) ? 'viewer' : null;
  if (!role) return { ok: false, reason: 'no_group', email, groups };
  const preferred = typeof claims.preferred_username === 'string' ? claims.preferred_username : null;
  const username = [email, preferred].find((u): u is string => !!u && USERNAME.test(u));
  if (!username) return { ok: false, reason: 'bad_username', email, groups };
  return { ok: true, username, email, role, groups };
}

/** The provider's logout URL for an SSO session (RP-initiated logout), or null when it has none. */
export async function endSessionUrl(s: OidcSettings, idToken: string | null): Promise<string | null> {
  let config;
  try {
    config = await providerConfig(s);
  } catch {
    return null;
  }
  if (!config.serverMetadata().end_session_endpoint) return null;
  const params: Record<string, string> = { post_logout_redirect_uri: s.publicUrl + '/login', client_id: s.clientId };
  if (idToken) params.id_token_hint = idToken;
  return client.buildEndSessionUrl(config, params).href;
}
