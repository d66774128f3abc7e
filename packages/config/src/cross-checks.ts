// Checks that involve more than one key (e.g. "HS256 needs a secret"). They read the raw data,
// before and independently of the schema's type checks, so a file with a type error elsewhere
// still gets every problem reported at once. A key whose own value has the wrong type is left
// to the type check (its rule here is skipped, never guessed at).
import type { ConfigProblem } from './errors.js';
import { schemaKeys } from './schema-walk.js';
import type { SourceMap } from './sources.js';
import { getPath, type Table } from './util.js';

/** The shortest HS256 secret accepted (256 bits of ASCII, as RFC 7518 asks for the key size). */
export const MIN_HS256_SECRET = 32;

interface Rule {
  /** the key the problem is reported on */
  path: string;
  /** null when the rule holds (or cannot be judged because an input has the wrong type) */
  check(read: (dotted: string) => unknown): string | null;
}

const RULES: Rule[] = [
  {
    path: 'auth.secret',
    check(read) {
      const algs = read('auth.algorithms');
      if (!Array.isArray(algs) || !algs.includes('HS256')) return null;
      const secret = read('auth.secret');
      if (typeof secret !== 'string') return null;
      if (secret === '') return 'a secret (or auth.secret_file) because auth.algorithms includes "HS256"';
      if (secret.length < MIN_HS256_SECRET) return `a secret of at least ${MIN_HS256_SECRET} characters for HS256`;
      return null;
    },
  },
  {
    path: 'admin.oidc.client_id',
    check: (read) => (oidcOn(read) && read('admin.oidc.client_id') === '' ? 'a client id because admin.oidc.issuer is set' : null),
  },
  {
    path: 'admin.public_url',
    check: (read) =>
      oidcOn(read) && read('admin.public_url') === ''
        ? 'the URL operators open the console at, because admin.oidc.issuer is set (the redirect URI is built from it)'
        : null,
  },
  {
    path: 'admin.oidc.admin_group',
    check(read) {
      if (!oidcOn(read)) return null;
      return read('admin.oidc.admin_group') === '' && read('admin.oidc.viewer_group') === ''
        ? 'a group (admin_group and/or viewer_group) because admin.oidc.issuer is set: without one every single sign-on is refused'
        : null;
    },
  },
  {
    path: 'admin.oidc.scopes',
    check(read) {
      const scopes = read('admin.oidc.scopes');
      return oidcOn(read) && Array.isArray(scopes) && !scopes.includes('openid') ? 'a list that includes "openid"' : null;
    },
  },
  {
    path: 'admin.local_passwords',
    check: (read) =>
      read('admin.local_passwords') === false && !oidcOn(read)
        ? 'true unless admin.oidc.issuer is set: with neither, nobody could sign in to the console'
        : null,
  },
];

function oidcOn(read: (dotted: string) => unknown): boolean {
  const issuer = read('admin.oidc.issuer');
  return typeof issuer === 'string' && issuer !== '';
}

export function crossCheck(data: Table, sources: SourceMap, file: string | null): ConfigProblem[] {
  const keys = schemaKeys();
  // a key absent from the data has its default
  const read = (dotted: string) => getPath(data, dotted.split('.')) ?? keys.get(dotted)?.default;
  const problems: ConfigProblem[] = [];
  for (const rule of RULES) {
    const expected = rule.check(read);
    if (expected === null) continue;
    const value = read(rule.path);
    const secret = keys.get(rule.path)?.meta.secret === true;
    const source = sources.get(rule.path) ?? (file ? { kind: 'file' as const, name: file } : { kind: 'default' as const, name: 'default' });
    problems.push({
      path: rule.path,
      value: secret && value !== '' && value !== undefined ? '<redacted>' : value,
      expected,
      source: source.name,
      sourceKind: source.kind,
      ...(value === '' ? { missing: true } : {}),
    });
  }
  return problems;
}
