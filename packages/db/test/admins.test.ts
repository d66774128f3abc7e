import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, hashPassword, verifyPassword } from '../src/index.js';
import { rejectsWithCode, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env.close();
});

describe('passwords', () => {
  it('uses scrypt N=2^15 r=8 p=1 with a 16-byte salt, and verifies right / wrong', async () => {
    const h = await hashPassword('correct horse');
    const [alg, N, r, p, salt, key] = h.split('$');
    expect([alg, N, r, p]).toEqual(['scrypt', '32768', '8', '1']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64').length).toBeGreaterThanOrEqual(32);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsf', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(h); // salted
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$AAAA$AAAA')).toBe(false);
  });
});

describe('admins', () => {
  it('creates, audits and verifies an admin', async () => {
    const a = await env.services.admins.create('root', 's3cret-pass');
    expect(a).toMatchObject({ username: 'root', disabledAt: null });
    const row = await env.pool.query('SELECT password_hash FROM admins WHERE id = $1', [a.id]);
    expect(row.rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await env.services.admins.verify('root', 's3cret-pass')).toMatchObject({ id: a.id });
    expect(await env.services.admins.verify('ROOT', 's3cret-pass')).toMatchObject({ id: a.id });
    expect(await env.services.admins.verify('root', 'wrong-pass')).toBeNull();
    expect(await env.services.admins.verify('nobody', 's3cret-pass')).toBeNull();
    const audit = await env.pool.query("SELECT actor FROM audit_log WHERE action = 'admin.create' AND target = 'root'");
    expect(audit.rows).toEqual([{ actor: 'test:runner' }]);
    expect((await env.services.admins.list()).map((x) => x.username)).toEqual(['root']);
  });

  it('errors: duplicate (case-insensitive), bad username, short password', async () => {
    await rejectsWithCode(env.services.admins.create('Root', 'another-pass'), 'duplicate', /already exists/);
    await rejectsWithCode(env.services.admins.create('bad name', 'another-pass'), 'invalid_argument', /username/);
    await rejectsWithCode(env.services.admins.create('ops', 'short'), 'invalid_argument', /at least 8/);
    await rejectsWithCode(env.services.admins.get('ghost'), 'not_found');
  });

  it('changes a password and ends the sessions', async () => {
    const a = await env.services.admins.create('ops', 'first-password');
    const s = await env.services.admins.createSession(a.id, 1);
    await env.services.admins.setPassword('ops', 'second-password');
    expect(await env.services.admins.verify('ops', 'first-password')).toBeNull();
    expect(await env.services.admins.verify('ops', 'second-password')).not.toBeNull();
    expect(await env.services.admins.resolveSession(s.secret)).toBeNull();
  });
});

describe('sessions', () => {
  it('stores only the sha256 of the secret, resolves and deletes', async () => {
    const a = await env.services.admins.get('root');
    const s = await env.services.admins.createSession(a.id, 12);
    expect(Buffer.from(s.secret, 'base64url')).toHaveLength(32);
    expect(s.expiresAt.getTime()).toBeGreaterThan(Date.now() + 11.9 * 3600_000);
    const rows = await env.pool.query('SELECT id FROM admin_sessions');
    expect(JSON.stringify(rows.rows)).not.toContain(s.secret);
    const r = await env.services.admins.resolveSession(s.secret);
    expect(r!.admin.username).toBe('root');
    expect(await env.services.admins.resolveSession(s.secret + 'x')).toBeNull();
    expect(await env.services.admins.resolveSession('')).toBeNull();
    expect(await env.services.admins.deleteSession(s.secret)).toBe(true);
    expect(await env.services.admins.deleteSession(s.secret)).toBe(false);
    expect(await env.services.admins.resolveSession(s.secret)).toBeNull();
    const login = await env.pool.query("SELECT actor FROM audit_log WHERE action = 'admin.login' AND target = 'root'");
    expect(login.rows[0].actor).toBe('admin:root');
  });

  it('expire', async () => {
    const a = await env.services.admins.get('root');
    const s = await env.services.admins.createSession(a.id, 1);
    const later = createServices({ pool: env.pool, redis: env.redis, config: env.config, now: () => Date.now() + 3601_000 });
    expect(await env.services.admins.resolveSession(s.secret)).not.toBeNull();
    expect(await later.admins.resolveSession(s.secret)).toBeNull();
    expect(await later.admins.purgeExpiredSessions()).toBeGreaterThanOrEqual(1);
    expect(await env.services.admins.resolveSession(s.secret)).toBeNull();
  });

  it('a disabled admin cannot log in or keep a session', async () => {
    const a = await env.services.admins.create('temp', 'temp-password');
    const s = await env.services.admins.createSession(a.id, 1);
    await env.services.admins.disable('temp');
    expect(await env.services.admins.resolveSession(s.secret)).toBeNull();
    expect(await env.services.admins.verify('temp', 'temp-password')).toBeNull();
    await rejectsWithCode(env.services.admins.createSession(a.id, 1), 'unauthorized');
    await env.services.admins.enable('temp');
    expect(await env.services.admins.verify('temp', 'temp-password')).not.toBeNull();
  });

  it('errors for bad ttl and unknown admins', async () => {
    const a = await env.services.admins.get('root');
    await rejectsWithCode(env.services.admins.createSession(a.id, 0), 'invalid_argument');
    await rejectsWithCode(env.services.admins.createSession('nope', 1), 'not_found');
  });
});

describe('roles', () => {
  it('existing operators are admins; create takes a role; the audit records it', async () => {
    expect((await env.services.admins.get('root')).role).toBe('admin');
    const v = await env.services.admins.create('watcher', 'watcher-pass', { role: 'viewer' });
    expect(v.role).toBe('viewer');
    expect((await env.services.admins.resolveSession((await env.services.admins.createSession(v.id, 1)).secret))!.admin.role).toBe('viewer');
    const audit = await env.pool.query("SELECT details FROM audit_log WHERE action = 'admin.create' AND target = 'watcher'");
    expect(audit.rows[0].details).toEqual({ role: 'viewer' });
    await rejectsWithCode(env.services.admins.create('boss', 'boss-password', { role: 'owner' as never }), 'invalid_argument', /invalid role "owner"/);
  });

  it('a role outside admin|viewer is refused by the table itself', async () => {
    await expect(env.pool.query("UPDATE admins SET role = 'owner' WHERE username = 'root'")).rejects.toThrow(/check constraint/);
  });

  it('setRole changes the role (audited once) and the session sees it at once', async () => {
    const a = await env.services.admins.create('ops2', 'ops2-password');
    const s = await env.services.admins.createSession(a.id, 1);
    expect((await env.services.admins.setRole('ops2', 'viewer')).role).toBe('viewer');
    expect((await env.services.admins.resolveSession(s.secret))!.admin.role).toBe('viewer');
    await env.services.admins.setRole('ops2', 'viewer');
    const audit = await env.pool.query("SELECT details FROM audit_log WHERE action = 'admin.role' AND target = 'ops2'");
    expect(audit.rows.map((r) => r.details)).toEqual([{ from: 'admin', to: 'viewer' }]);
    await rejectsWithCode(env.services.admins.setRole('ghost', 'viewer'), 'not_found');
    await rejectsWithCode(env.services.admins.setRole('ops2', 'root' as never), 'invalid_argument');
  });

  it('never leaves the console without an active admin-role operator, even under concurrent demotions', async () => {
    const actives = await env.pool.query<{ username: string }>("SELECT username FROM admins WHERE role = 'admin' AND disabled_at IS NULL");
    // make 'root' and 'second' the only active admins
    for (const { username } of actives.rows) if (username !== 'root') await env.services.admins.setRole(username, 'viewer');
    await env.services.admins.create('second', 'second-password');
    const results = await Promise.allSettled([env.services.admins.setRole('root', 'viewer'), env.services.admins.disable('second')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'conflict', message: expect.stringMatching(/last active operator with the admin role/) });
    const left = await env.pool.query("SELECT count(*)::int AS n FROM admins WHERE role = 'admin' AND disabled_at IS NULL");
    expect(left.rows[0].n).toBe(1);
    // a viewer or a disabled operator can always be changed
    await env.services.admins.setRole('watcher', 'viewer');
    await env.services.admins.disable('watcher');
  });
});

describe('single sign-on operators', () => {
  const id = (over: Partial<Parameters<Env['services']['admins']['upsertSso']>[0]> = {}) => ({
    issuer: 'https://id.example.com',
    subject: 'sub-1',
    username: 'sso.one@corp.example',
    email: 'sso.one@corp.example',
    role: 'viewer' as const,
    ...over,
  });

  it('makes the operator at the first sign-in, without a password, and updates it from the claims after', async () => {
    const a = await env.services.admins.upsertSso(id());
    expect(a).toMatchObject({ username: 'sso.one@corp.example', role: 'viewer', kind: 'sso', email: 'sso.one@corp.example' });
    const row = await env.pool.query('SELECT password_hash, sso_issuer, sso_subject FROM admins WHERE id = $1', [a.id]);
    expect(row.rows[0]).toEqual({ password_hash: null, sso_issuer: 'https://id.example.com', sso_subject: 'sub-1' });
    // no password can ever match, nor be set
    expect(await env.services.admins.verify('sso.one@corp.example', '')).toBeNull();
    expect(await env.services.admins.verify('sso.one@corp.example', 'any-password')).toBeNull();
    await rejectsWithCode(env.services.admins.setPassword('sso.one@corp.example', 'a-new-password'), 'conflict', /single sign-on/);
    // same subject, new email and role: the same operator, renamed and promoted (audited)
    const b = await env.services.admins.upsertSso(id({ username: 'renamed@corp.example', email: 'renamed@corp.example', role: 'admin' }));
    expect(b).toMatchObject({ id: a.id, username: 'renamed@corp.example', role: 'admin' });
    const audit = await env.pool.query("SELECT action, details FROM audit_log WHERE target IN ('sso.one@corp.example', 'renamed@corp.example') ORDER BY id");
    expect(audit.rows.map((r) => r.action)).toEqual(['admin.create', 'admin.role']);
    // an SSO session keeps its ID token for the provider's logout
    const s = await env.services.admins.createSession(b.id, 1, { idToken: 'id.token.value' });
    expect(await env.services.admins.resolveSession(s.secret)).toMatchObject({ admin: { id: a.id } });
    expect(await env.services.admins.endSession(s.secret)).toEqual({ ssoIdToken: 'id.token.value' });
    expect(await env.services.admins.endSession(s.secret)).toBeNull();
    const login = await env.pool.query("SELECT details FROM audit_log WHERE action = 'admin.login' AND target = 'renamed@corp.example'");
    expect(login.rows[0].details).toMatchObject({ method: 'sso', role: 'admin' });
  });

  it('refuses a name a local operator has, and a disabled SSO operator', async () => {
    await env.services.admins.create('local.one@corp.example', 'local-password');
    await rejectsWithCode(env.services.admins.upsertSso(id({ subject: 'sub-2', username: 'local.one@corp.example' })), 'conflict', /already taken/);
    await rejectsWithCode(env.services.admins.upsertSso(id({ subject: 'sub-3', username: 'bad name' })), 'invalid_argument', /username/);
    // a renaming into a taken name is refused too
    await rejectsWithCode(env.services.admins.upsertSso(id({ username: 'LOCAL.one@corp.example' })), 'conflict', /already taken/);
    await env.services.admins.disable('renamed@corp.example');
    await rejectsWithCode(env.services.admins.upsertSso(id({ username: 'renamed@corp.example' })), 'unauthorized', /disabled/);
    // the same subject at another issuer is another operator
    const other = await env.services.admins.upsertSso(id({ issuer: 'https://other.example.com', username: 'sso.two@corp.example' }));
    expect(other.kind).toBe('sso');
  });
});
