// The [auth] section: verification (gateway) and signing (admin, CLI) of the API tokens (JWTs).
import { z } from 'zod';
import { text, oneOf, list, section } from '../schema-builders.js';
import { JWT_ALGORITHMS } from '../value-checks.js';

export const authSection = section('Verification (gateway) and signing (admin, CLI) of the API tokens (JWTs).', {
  issuer: text('deepseek-proxy', 'Expected and issued `iss` claim.', { required: true }),
  audience: text('deepseek-proxy', 'Expected and issued `aud` claim.', { required: true }),
  algorithms: list(
    z.enum(JWT_ALGORITHMS),
    JWT_ALGORITHMS.map((a) => JSON.stringify(a)).join(' | '),
    ['ES256'],
    'Pinned signature algorithms; a token signed with any other is rejected. HS256 uses `secret`.',
    { nonEmpty: true },
  ),
  public_key_file: text('', 'PEM public key the gateway verifies tokens with.', {
    path: 'file',
  }),
  private_key_file: text('', 'PEM private key the admin console and CLI sign tokens with.', {
    path: 'file',
  }),
  secret: text('', 'Shared secret for HS256.', { secret: true }),
  secret_file: text('', 'File holding the HS256 secret (trimmed); when set, its content replaces `secret`.', { path: 'file', contentOf: 'auth.secret' }),
  key_id: text('', 'The `kid` header put in signed tokens (empty = none).'),
  previous_public_key_files: list(z.string().min(1), 'file paths', [], 'Extra verification keys accepted during a key rotation.', { path: 'files' }),
  unknown_users: oneOf(
    ['reject', 'allow'],
    'reject',
    'A validly signed token whose `sub` was never created as a user: "reject" answers 403 `unknown_user`; "allow" serves it with the `[quota]` defaults (for tokens minted by another system that never creates users here).',
  ),
});
