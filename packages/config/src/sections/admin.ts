// The [admin] section: the console's listener, operator sessions and single sign-on.
import { z } from 'zod';
import { text, integer, number, flag, list, section } from '../schema-builders.js';
import { httpUrl, isAddressOrCidr, isIssuerUrl } from '../value-checks.js';

export const adminSection = section('The admin console (Next.js).', {
  host: text('127.0.0.1', 'Address the admin console listens on.', {
    required: true,
    label: 'host name or IP address',
  }),
  port: integer(8878, 'Port of the admin console.', { min: 1, max: 65535 }),
  gateway_metrics_urls: list(
    z.string().refine(httpUrl, 'http(s) URL'),
    'http(s) URLs',
    ['http://127.0.0.1:9464/metrics'],
    'Gateway `/metrics` endpoints the console reads live metrics from (one per gateway host).',
  ),
  session_ttl_hours: number(12, "Lifetime of an operator's login session, in hours."),
  trusted_proxies: list(
    z.string().refine(isAddressOrCidr, 'IP address or CIDR'),
    'IP addresses or CIDR ranges',
    [],
    'Reverse proxies in front of the console: only a request from one of these may name the client address in `X-Forwarded-For` (sign-in throttling and the audit log use it).',
  ),
  public_url: text(
    '',
    'The URL operators open the console at (e.g. `https://dsp-admin.example.com`); the base of the single sign-on redirect URI `<public_url>/api/auth/oidc/callback`. Required with `[admin.oidc]`.',
    {
      label: 'empty or http(s) URL',
      check: (v) => v === '' || httpUrl(v),
    },
  ),
  local_passwords: flag(
    true,
    'Operators may sign in with a local username and password; `false` leaves single sign-on as the only way in (needs `[admin.oidc]`).',
  ),
  oidc: section('Single sign-on to the console with OpenID Connect (authorization code + PKCE). Off while `issuer` is empty.', {
    issuer: text(
      '',
      'Issuer URL of the OpenID provider (its discovery document is `<issuer>/.well-known/openid-configuration`); https, or http on a loopback address for testing.',
      {
        label: 'empty or https URL (http on loopback)',
        check: (v) => v === '' || isIssuerUrl(v),
      },
    ),
    client_id: text('', 'Client id of the console at the provider.'),
    client_secret: text('', 'Client secret of the console at the provider (sent with `client_secret_post`).', { secret: true }),
    client_secret_file: text('', 'File holding the client secret (trimmed); when set, its content replaces `client_secret`.', {
      path: 'file',
      contentOf: 'admin.oidc.client_secret',
    }),
    scopes: list(
      z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'scope name'),
      'scope names',
      ['openid', 'email', 'profile'],
      'Scopes asked for; must include `openid`. Add the one that releases the groups claim where the provider needs it (e.g. `groups`).',
    ),
    allowed_domains: list(
      z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'domain name'),
      'domain names',
      [],
      'Email domains allowed to sign in (the `email` claim, which must not be unverified); empty = any domain.',
    ),
    groups_claim: text('groups', "The claim that lists the user's groups (ID token or userinfo); a dotted path reaches into objects (`realm_access.roles`).", {
      required: true,
    }),
    admin_group: text('', 'Members of this group sign in with the admin role; `*` = everyone allowed by `allowed_domains`.'),
    viewer_group: text(
      '',
      'Members of this group (and not of `admin_group`) sign in as viewers (read-only); `*` = everyone allowed by `allowed_domains`. A user in neither group is refused.',
    ),
  }),
});
